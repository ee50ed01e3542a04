"""Makes the small real Brightway project checked in as tests/fixtures/brightway/bw_project.

Run: python3 -m venv /tmp/bwvenv && /tmp/bwvenv/bin/pip install bw2data bw2io
     BRIGHTWAY2_DIR=/tmp/bwdir /tmp/bwvenv/bin/python make_project.py
then copy /tmp/bwdir/<project dir> to tests/fixtures/brightway/bw_project (the lead's recipe, see PROVENANCE.md).
"""

import bw2data as bd

bd.projects.set_current("ecoref-fixture")

bio = bd.Database("tiny-biosphere")
bio.write(
    {
        ("tiny-biosphere", "co2"): {
            "name": "Carbon dioxide, fossil",
            "categories": ("air", "urban air close to ground"),
            "unit": "kilogram",
            "type": "emission",
        },
        ("tiny-biosphere", "ch4"): {
            "name": "Methane, fossil",
            "categories": ("air",),
            "unit": "kilogram",
            "type": "emission",
            "CAS number": "74-82-8",
        },
    }
)

tech = bd.Database("tiny-tech")
tech.write(
    {
        ("tiny-tech", "electricity"): {
            "name": "electricity production, hard coal",
            "reference product": "electricity, high voltage",
            "location": "DE",
            "unit": "kilowatt hour",
            "type": "process",
            "comment": "a ünicode comment",
            "classifications": [("ISIC rev.4 ecoinvent", "3510:Electric power generation")],
            "exchanges": [
                {"input": ("tiny-tech", "electricity"), "amount": 1.0, "type": "production"},
                {
                    "input": ("tiny-biosphere", "co2"),
                    "amount": 0.9731234567890123,
                    "type": "biosphere",
                    "uncertainty type": 2,
                    "loc": -0.027,
                    "scale": 0.1,
                },
                {"input": ("tiny-biosphere", "ch4"), "amount": 1e-05, "type": "biosphere"},
                {"input": ("tiny-tech", "coal"), "amount": 0.4, "type": "technosphere", "formula": "coal_per_kwh"},
            ],
        },
        ("tiny-tech", "coal"): {
            "name": "hard coal mine operation",
            "reference product": "hard coal",
            "location": "GLO",
            "unit": "kilogram",
            "type": "process",
            "exchanges": [
                {"input": ("tiny-tech", "coal"), "amount": 1.0, "type": "production"},
                {"input": ("tiny-tech", "electricity"), "amount": 0.02, "type": "technosphere"},
                {"input": ("tiny-biosphere", "ch4"), "amount": 0.004, "type": "biosphere"},
                {"input": ("tiny-tech", "electricity"), "amount": -0.001, "type": "substitution"},
            ],
        },
    }
)

method = bd.Method(("tiny method", "climate change", "GWP100"))
method.register(unit="kg CO2-Eq", description="a tiny method")
method.write([(("tiny-biosphere", "co2"), 1.0), (("tiny-biosphere", "ch4"), 29.7)])

print(bd.projects.dir)
