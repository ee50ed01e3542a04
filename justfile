# Shortcuts for people who have `just`; every recipe is a plain cargo command, so nothing here is required.

# Build ecoref and import the bundled ILCD sample into .ecoref/
demo:
    cargo xtask demo

# fmt check, clippy, every test (PostgreSQL ones when a server answers at $DATABASE_URL or 127.0.0.1:5432)
test:
    cargo xtask test

# Run a fuzz target for SECS seconds (nightly + cargo-fuzz)
fuzz target="ilcd_xml" secs="60":
    cargo xtask fuzz {{target}} {{secs}}

# What CI runs
ci:
    bash .ci/run
