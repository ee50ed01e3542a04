//! The generated LCA system held in memory once: units, geographies, elementary flows, products, activities with
//! their technosphere and biosphere exchanges, and an LCIA method; every writer reads this one structure.

use crate::rng::{Rng, Uid};
use std::collections::HashSet;

/// Sizes and seed of one generated system. The defaults are ecoinvent-sized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub seed: u64,
    pub n_activities: usize,
    /// Technosphere inputs over all activities (production exchanges not included).
    pub n_technosphere: usize,
    /// Biosphere exchanges over all activities.
    pub n_biosphere: usize,
    pub n_elementary_flows: usize,
    pub n_indicators: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params::with_size(25_000, 1)
    }
}

impl Params {
    /// An ecoinvent-shaped system of `n_activities`, the other sizes scaled like ecoinvent (14 technosphere and
    /// 20 biosphere exchanges per activity, one elementary flow per 10 activities, at least 200).
    pub fn with_size(n_activities: usize, seed: u64) -> Self {
        let n_activities = n_activities.max(MIN_ACTIVITIES);
        Params {
            seed,
            n_activities,
            n_technosphere: n_activities * 14,
            n_biosphere: n_activities * 20,
            n_elementary_flows: (n_activities / 10).max(200),
            n_indicators: 25,
        }
    }

    /// Stable text naming the system (cache keys, database names).
    pub fn key(&self) -> String {
        format!(
            "s{}-a{}-t{}-b{}-f{}-i{}",
            self.seed,
            self.n_activities,
            self.n_technosphere,
            self.n_biosphere,
            self.n_elementary_flows,
            self.n_indicators
        )
    }
}

/// Fewest activities a system can have (the hubs alone take 17).
pub const MIN_ACTIVITIES: usize = 60;

/// A unit with the flow property (quantity) it measures; in ILCD each unit is the reference unit of its own group.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: Uid,
    pub name: &'static str,
    pub quantity: &'static str,
    /// Unit-group and flow-property ids of the ILCD export.
    pub unit_group_id: Uid,
    pub flow_property_id: Uid,
}

#[derive(Debug, Clone)]
pub struct Geography {
    pub id: Uid,
    pub short: &'static str,
}

#[derive(Debug, Clone)]
pub struct ElementaryFlow {
    pub id: Uid,
    pub name: String,
    /// ecoinvent compartment: `air`, `water`, `soil` or `natural resource`.
    pub compartment: &'static str,
    pub subcompartment: &'static str,
    pub subcompartment_id: Uid,
    pub unit: usize,
    /// CAS number as (first, second, check digit).
    pub cas: Option<(u32, u32, u32)>,
}

impl ElementaryFlow {
    /// A resource is taken from nature (an input); everything else is an emission (an output).
    pub fn is_resource(&self) -> bool {
        self.compartment == "natural resource"
    }

    /// The CAS number as ecoinvent writes it (zero-padded) or plain.
    pub fn cas_text(&self, padded: bool) -> Option<String> {
        self.cas.map(|(a, b, c)| if padded { format!("{a:06}-{b:02}-{c}") } else { format!("{a}-{b:02}-{c}") })
    }
}

#[derive(Debug, Clone)]
pub struct Product {
    pub id: Uid,
    pub name: String,
    pub unit: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    /// An ordinary transforming activity.
    Production,
    /// A market: the producers of its product, plus transport.
    Market,
}

/// Log-normal uncertainty as ecoinvent writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lognormal {
    pub mu: f64,
    pub variance: f64,
    pub variance_with_pedigree: f64,
}

#[derive(Debug, Clone)]
pub struct TechnosphereInput {
    /// Index of the providing activity.
    pub provider: u32,
    pub amount: f64,
    pub uncertainty: Option<Lognormal>,
}

#[derive(Debug, Clone)]
pub struct BiosphereExchange {
    /// Index of the elementary flow.
    pub flow: u32,
    pub amount: f64,
    pub uncertainty: Option<Lognormal>,
}

#[derive(Debug, Clone)]
pub struct Activity {
    pub id: Uid,
    pub name_id: Uid,
    pub name: String,
    pub kind: ActivityKind,
    pub product: usize,
    pub geography: usize,
    pub technosphere: Vec<TechnosphereInput>,
    pub biosphere: Vec<BiosphereExchange>,
}

#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: Uid,
    pub name: &'static str,
    pub unit: &'static str,
    /// (elementary flow index, factor), flows ascending.
    pub factors: Vec<(u32, f64)>,
}

/// One generated system.
#[derive(Debug, Clone)]
pub struct System {
    pub params: Params,
    pub units: Vec<Unit>,
    pub geographies: Vec<Geography>,
    pub elementary_flows: Vec<ElementaryFlow>,
    pub products: Vec<Product>,
    pub activities: Vec<Activity>,
    pub indicators: Vec<Indicator>,
    /// The LCIA method (methodology) the indicators belong to.
    pub method_name: String,
}

/// Sizes of a system, as every reader should count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sizes {
    pub n_activities: u64,
    pub n_production: u64,
    pub n_technosphere: u64,
    pub n_biosphere: u64,
    pub n_elementary_flows: u64,
    pub n_products: u64,
    pub n_indicators: u64,
    pub n_characterization_factors: u64,
}

impl Sizes {
    /// Exchanges of every kind (production + technosphere + biosphere).
    pub fn n_exchanges(&self) -> u64 {
        self.n_production + self.n_technosphere + self.n_biosphere
    }
}

impl System {
    pub fn sizes(&self) -> Sizes {
        let n = |len: usize| len as u64;
        Sizes {
            n_activities: n(self.activities.len()),
            n_production: n(self.activities.len()),
            n_technosphere: self.activities.iter().map(|a| n(a.technosphere.len())).sum(),
            n_biosphere: self.activities.iter().map(|a| n(a.biosphere.len())).sum(),
            n_elementary_flows: n(self.elementary_flows.len()),
            n_products: n(self.products.len()),
            n_indicators: n(self.indicators.len()),
            n_characterization_factors: self.indicators.iter().map(|i| n(i.factors.len())).sum(),
        }
    }

    /// ecoinvent's data set id and file stem: `<activity id>_<reference product id>`.
    pub fn dataset_id(&self, activity: &Activity) -> String {
        format!("{}_{}", activity.id, self.product(activity).id)
    }

    pub fn product(&self, activity: &Activity) -> &Product {
        &self.products[activity.product]
    }

    pub fn unit_of(&self, activity: &Activity) -> &Unit {
        &self.units[self.product(activity).unit]
    }

    pub fn geography(&self, activity: &Activity) -> &'static str {
        self.geographies[activity.geography].short
    }

    /// Exchange ids inside a data set: 0 is the reference product, then technosphere, then biosphere inputs.
    pub fn exchange_id(&self, activity_idx: usize, exchange_idx: usize) -> Uid {
        Uid::derive(self.params.seed, 7, ((activity_idx as u64) << 24) | exchange_idx as u64)
    }

    /// The product name SimaPro gives the activity's output (also its process name there).
    pub fn simapro_product_name(&self, activity: &Activity) -> String {
        format!("{} {{{}}}| {} | Cut-off, U", self.product(activity).name, self.geography(activity), activity.name)
    }
}

const UNITS: [(&str, &str); 7] = [
    ("kg", "Mass"),
    ("MJ", "Net calorific value"),
    ("kWh", "Energy"),
    ("ton kilometer", "Goods transport (mass*distance)"),
    ("m3", "Volume"),
    ("m2*year", "Area*time"),
    ("unit", "Number of items"),
];
const KG: usize = 0;
const MJ: usize = 1;
const KWH: usize = 2;
const TKM: usize = 3;
const M3: usize = 4;
const M2A: usize = 5;
const ITEM: usize = 6;

const GEOGRAPHIES: [&str; 40] = [
    "GLO", "RoW", "RER", "RNA", "RAS", "RLA", "RAF", "CH", "DE", "FR", "IT", "ES", "GB", "AT", "BE", "NL", "SE", "NO",
    "FI", "DK", "PL", "CZ", "PT", "IE", "US", "CA", "MX", "BR", "AR", "CL", "CN", "IN", "JP", "KR", "ID", "TH", "AU",
    "ZA", "RU", "TR",
];
/// Geographies (indices into [`GEOGRAPHIES`]) that have their own electricity market.
const ELECTRICITY_MARKETS: [usize; 12] = [1, 7, 8, 9, 10, 11, 12, 24, 27, 30, 31, 32];
const N_TRANSPORT: usize = 4;
/// How far upstream (in product order) an ordinary input reaches.
const UPSTREAM_WINDOW: usize = 100;
const TRANSPORT: [&str; N_TRANSPORT] = [
    "transport, freight, lorry 16-32 metric ton",
    "transport, freight train",
    "transport, freight, sea, container ship",
    "transport, freight, aircraft",
];

const COMPARTMENTS: [(&str, &[&str]); 4] = [
    (
        "air",
        &[
            "urban air close to ground",
            "non-urban air or from high stacks",
            "lower stratosphere + upper troposphere",
            "low population density, long-term",
        ],
    ),
    ("water", &["surface water", "ground-", "ocean", "ground-, long-term"]),
    ("soil", &["agricultural", "industrial", "forestry"]),
    ("natural resource", &["in ground", "land", "in water", "biotic", "in air"]),
];

const SUBSTANCES: [&str; 40] = [
    "Carbon dioxide, fossil",
    "Methane, fossil",
    "Dinitrogen monoxide",
    "Nitrogen oxides",
    "Sulfur dioxide",
    "Ammonia",
    "Particulate Matter, < 2.5 um",
    "Particulate Matter, > 10 um",
    "Carbon monoxide, fossil",
    "NMVOC, non-methane volatile organic compounds",
    "Benzene",
    "Toluene",
    "Formaldehyde",
    "Mercury II",
    "Lead II",
    "Cadmium II",
    "Zinc II",
    "Copper ion",
    "Nickel II",
    "Chromium VI",
    "Arsenic ion",
    "Phosphate",
    "Nitrate",
    "Chloride",
    "Fluoride",
    "Sulfate",
    "Iron ion",
    "Aluminium III",
    "Glyphosate",
    "Atrazine",
    "Ethane, 1,1,1,2-tetrafluoro-, HFC-134a",
    "Radon-222",
    "Cesium-137",
    "Hydrogen sulfide",
    "Hydrogen chloride",
    "Dioxin, 2,3,7,8 Tetrachlorodibenzo-p-",
    "PAH, polycyclic aromatic hydrocarbons",
    "Heat, waste",
    "BOD5, Biological Oxygen Demand",
    "COD, Chemical Oxygen Demand",
];
const RESOURCES: [(&str, usize); 8] = [
    ("Water, river", M3),
    ("Water, well, in ground", M3),
    ("Occupation, industrial area", M2A),
    ("Occupation, arable land", M2A),
    ("Energy, gross calorific value, in biomass", MJ),
    ("Gas, natural", M3),
    ("Iron", KG),
    ("Copper, Cu 0.52%, in ore", KG),
];

const MATERIALS: [&str; 32] = [
    "steel, low-alloyed",
    "cement, Portland",
    "polyethylene, high density, granulate",
    "aluminium, primary, ingot",
    "glass fibre",
    "paper, woodfree",
    "sawnwood, softwood",
    "concrete, normal",
    "sulfuric acid",
    "ammonia, anhydrous",
    "diesel",
    "heat, district or industrial, natural gas",
    "nitrogen fertiliser, as N",
    "maize grain",
    "wheat grain",
    "milk, from cow",
    "soybean",
    "tap water",
    "copper, cathode",
    "chemical, organic",
    "chemical, inorganic",
    "electronics, for control units",
    "brick",
    "lime, hydrated",
    "natural gas, high pressure",
    "hard coal",
    "palm oil, crude",
    "cotton fibre",
    "titanium dioxide",
    "sodium hydroxide, without water",
    "synthetic rubber",
    "wastewater, average",
];

const INDICATORS: [(&str, &str); 25] = [
    ("climate change", "kg CO2-Eq"),
    ("climate change: biogenic", "kg CO2-Eq"),
    ("climate change: fossil", "kg CO2-Eq"),
    ("climate change: land use and land use change", "kg CO2-Eq"),
    ("acidification", "mol H+-Eq"),
    ("ecotoxicity: freshwater", "CTUe"),
    ("ecotoxicity: freshwater, inorganics", "CTUe"),
    ("ecotoxicity: freshwater, organics", "CTUe"),
    ("energy resources: non-renewable", "MJ, net calorific value"),
    ("eutrophication: freshwater", "kg P-Eq"),
    ("eutrophication: marine", "kg N-Eq"),
    ("eutrophication: terrestrial", "mol N-Eq"),
    ("human toxicity: carcinogenic", "CTUh"),
    ("human toxicity: carcinogenic, inorganics", "CTUh"),
    ("human toxicity: carcinogenic, organics", "CTUh"),
    ("human toxicity: non-carcinogenic", "CTUh"),
    ("human toxicity: non-carcinogenic, inorganics", "CTUh"),
    ("human toxicity: non-carcinogenic, organics", "CTUh"),
    ("ionising radiation: human health", "kBq U235-Eq"),
    ("land use", "dimensionless"),
    ("material resources: metals/minerals", "kg Sb-Eq"),
    ("ozone depletion", "kg CFC-11-Eq"),
    ("particulate matter formation", "disease incidence"),
    ("photochemical oxidant formation: human health", "kg NMVOC-Eq"),
    ("water use", "m3 world eq. deprived"),
];

/// Rounds to 6 significant digits, so every format writes the same short text and reads back the same f64.
fn round6(x: f64) -> f64 {
    format!("{x:.5e}").parse().unwrap_or(x)
}

fn lognormal(rng: &mut Rng, amount: f64) -> Option<Lognormal> {
    if !rng.chance(0.6) || amount <= 0.0 {
        return None;
    }
    let variance = round6(rng.range_f64(0.0006, 0.2));
    Some(Lognormal {
        mu: round6(amount.ln()),
        variance,
        variance_with_pedigree: round6(variance + rng.range_f64(0.0006, 0.05)),
    })
}

/// Builds the whole system from `params`, deterministically.
pub fn generate(params: &Params) -> System {
    let params = Params { n_activities: params.n_activities.max(MIN_ACTIVITIES), ..params.clone() };
    let seed = params.seed;
    let mut rng = Rng::new(seed);

    let units: Vec<Unit> = UNITS
        .iter()
        .enumerate()
        .map(|(i, (name, quantity))| Unit {
            id: Uid::derive(seed, 1, i as u64),
            name,
            quantity,
            unit_group_id: Uid::derive(seed, 2, i as u64),
            flow_property_id: Uid::derive(seed, 3, i as u64),
        })
        .collect();
    let geographies: Vec<Geography> = GEOGRAPHIES
        .iter()
        .enumerate()
        .map(|(i, short)| Geography { id: Uid::derive(seed, 4, i as u64), short })
        .collect();

    let elementary_flows = generate_elementary_flows(&params, &mut rng);
    let n_products = (params.n_activities / 5).max(1 + N_TRANSPORT + 5);
    let products: Vec<Product> = (0..n_products)
        .map(|p| {
            let (name, unit) = match p {
                0 => ("electricity, medium voltage".to_owned(), KWH),
                t if t <= N_TRANSPORT => (TRANSPORT[t - 1].to_owned(), TKM),
                _ => {
                    let unit = match rng.below(20) {
                        0..=13 => KG,
                        14..=16 => MJ,
                        17 => M3,
                        18 => ITEM,
                        _ => M2A,
                    };
                    (format!("{}, grade {p}", MATERIALS[p % MATERIALS.len()]), unit)
                }
            };
            Product { id: Uid::derive(seed, 5, p as u64), name, unit }
        })
        .collect();

    // Activities: markets first (electricity per geography, then one GLO market per other product), then producers.
    let mut activities: Vec<Activity> = Vec::with_capacity(params.n_activities);
    let new_activity = |idx: usize, name: String, kind, product, geography| Activity {
        id: Uid::derive(seed, 6, idx as u64),
        name_id: Uid::derive(seed, 8, idx as u64),
        name,
        kind,
        product,
        geography,
        technosphere: Vec::new(),
        biosphere: Vec::new(),
    };
    let mut market_of_product = vec![0usize; n_products];
    let mut electricity_market_of_geography = vec![usize::MAX; GEOGRAPHIES.len()];
    for &g in &ELECTRICITY_MARKETS {
        electricity_market_of_geography[g] = activities.len();
        let name = "market for electricity, medium voltage".to_owned();
        activities.push(new_activity(activities.len(), name, ActivityKind::Market, 0, g));
    }
    let row_market = electricity_market_of_geography[1];
    market_of_product[0] = row_market;
    for (p, product) in products.iter().enumerate().skip(1) {
        market_of_product[p] = activities.len();
        let name = format!("market for {}", product.name);
        activities.push(new_activity(activities.len(), name, ActivityKind::Market, p, 0));
    }
    let n_markets = activities.len();
    let n_producers = params.n_activities - n_markets;
    let mut producers_of: Vec<Vec<usize>> = vec![Vec::new(); n_products];
    for k in 0..n_producers {
        // every product gets one producer (the electricity product one per market geography), then at random
        let p = if k < ELECTRICITY_MARKETS.len() {
            0
        } else if k < ELECTRICITY_MARKETS.len() + n_products - 1 {
            k - ELECTRICITY_MARKETS.len() + 1
        } else {
            rng.below(n_products)
        };
        let route = producers_of[p].len();
        let geography = if p == 0 && route < ELECTRICITY_MARKETS.len() {
            ELECTRICITY_MARKETS[route]
        } else {
            rng.below(GEOGRAPHIES.len())
        };
        let name = if p == 0 {
            format!("electricity production, technology {route}")
        } else if p <= N_TRANSPORT {
            format!("{}, fleet {route}", products[p].name)
        } else {
            format!("{} production, route {route}", products[p].name)
        };
        producers_of[p].push(activities.len());
        activities.push(new_activity(activities.len(), name, ActivityKind::Production, p, geography));
    }

    // Technosphere inputs.
    let market_edges: usize = producers_of.iter().map(Vec::len).sum::<usize>() + (n_markets - N_TRANSPORT) * 2;
    let fixed_producer_edges = n_producers * 5 / 2;
    let random_edges = params.n_technosphere.saturating_sub(market_edges + fixed_producer_edges);
    let mean_random = random_edges as f64 / n_producers.max(1) as f64;
    let mut chosen: HashSet<usize> = HashSet::new();
    for a in 0..activities.len() {
        chosen.clear();
        let mut providers: Vec<usize> = Vec::new();
        let activity = &activities[a];
        let p = activity.product;
        match activity.kind {
            ActivityKind::Market if p == 0 => {
                let local: Vec<usize> = producers_of[0]
                    .iter()
                    .copied()
                    .filter(|&x| activities[x].geography == activity.geography)
                    .collect();
                if local.is_empty() {
                    providers.extend(producers_of[0].iter().take(3));
                } else {
                    providers.extend(local);
                }
            }
            ActivityKind::Market => {
                providers.extend(&producers_of[p]);
                if p > N_TRANSPORT {
                    providers.push(market_of_product[1 + rng.below(N_TRANSPORT)]);
                    providers.push(market_of_product[1 + rng.below(2)]);
                }
            }
            ActivityKind::Production => {
                let electricity = electricity_market_of_geography[activity.geography];
                providers.push(if electricity == usize::MAX { row_market } else { electricity });
                providers.push(market_of_product[1 + rng.below(2)]);
                if rng.chance(0.5) {
                    providers.push(market_of_product[3 + rng.below(2)]);
                }
                providers.dedup();
                let n_hubs = providers.len();
                chosen.extend(providers.iter().copied());
                let n_random = rng.below((2.0 * mean_random).round() as usize + 1);
                let mut tries = 0;
                while providers.len() < n_hubs + n_random && tries < 8 * n_random + 8 {
                    tries += 1;
                    // supply chains are tiered: most inputs come from products just upstream (higher index,
                    // skewed to the nearest), a few from anywhere (skewed to the first products: steel, cement…
                    // used everywhere); those feedback edges and the hubs close the loops
                    let first = 1 + N_TRANSPORT;
                    let upstream = n_products.saturating_sub(p + 1).min(UPSTREAM_WINDOW);
                    let q = if upstream > 0 && rng.chance(0.99) {
                        p + 1 + if rng.chance(0.5) { rng.skewed(upstream) } else { rng.below(upstream) }
                    } else {
                        first + rng.skewed(n_products - first)
                    };
                    let market = market_of_product[q];
                    if market != a && chosen.insert(market) {
                        providers.push(market);
                    }
                }
                chosen.clear();
            }
        }
        providers.retain(|&x| x != a && chosen.insert(x));
        // amounts: weights spread over 3 orders of magnitude, summing to 0.2–0.8 so the matrix stays invertible
        let total = rng.range_f64(0.2, 0.8);
        let weights: Vec<f64> = providers.iter().map(|_| (-rng.range_f64(0.0, 7.0)).exp()).collect();
        let sum: f64 = weights.iter().sum();
        let inputs: Vec<TechnosphereInput> = providers
            .iter()
            .zip(&weights)
            .map(|(&provider, w)| {
                let amount = round6((total * w / sum).max(1e-12));
                TechnosphereInput { provider: provider as u32, amount, uncertainty: lognormal(&mut rng, amount) }
            })
            .collect();
        activities[a].technosphere = inputs;
    }

    // Biosphere exchanges: markets carry few, producers the rest.
    let n_flows = elementary_flows.len();
    let market_bio = n_markets * 2;
    let mean_bio = params.n_biosphere.saturating_sub(market_bio) as f64 / n_producers.max(1) as f64;
    let mut picked: HashSet<usize> = HashSet::new();
    for activity in activities.iter_mut() {
        picked.clear();
        let n = match activity.kind {
            ActivityKind::Market => rng.below(5),
            ActivityKind::Production => rng.below((2.0 * mean_bio).round() as usize + 1),
        }
        .min(n_flows / 2);
        let mut exchanges = Vec::with_capacity(n);
        let mut tries = 0;
        while exchanges.len() < n && tries < 4 * n + 8 {
            tries += 1;
            let f = rng.skewed(n_flows);
            if picked.insert(f) {
                let amount = round6(10f64.powf(rng.range_f64(-9.0, 1.0)));
                exchanges.push(BiosphereExchange { flow: f as u32, amount, uncertainty: lognormal(&mut rng, amount) });
            }
        }
        exchanges.sort_by_key(|e| e.flow);
        activity.biosphere = exchanges;
    }

    let indicators = INDICATORS
        .iter()
        .take(params.n_indicators)
        .enumerate()
        .map(|(i, (name, unit))| {
            let share = [0.02, 0.05, 0.1, 0.3, 0.4][i % 5];
            let mut factors: Vec<(u32, f64)> = Vec::new();
            for f in 0..n_flows {
                if rng.chance(share) {
                    factors.push((f as u32, round6(10f64.powf(rng.range_f64(-3.0, 3.0)))));
                }
            }
            if factors.is_empty() {
                factors.push((0, 1.0));
            }
            Indicator { id: Uid::derive(seed, 9, i as u64), name, unit, factors }
        })
        .collect();

    System {
        method_name: "ecoref synthetic method".to_owned(),
        params,
        units,
        geographies,
        elementary_flows,
        products,
        activities,
        indicators,
    }
}

fn generate_elementary_flows(params: &Params, rng: &mut Rng) -> Vec<ElementaryFlow> {
    let seed = params.seed;
    let mut flows = Vec::with_capacity(params.n_elementary_flows);
    let mut k = 0u64;
    // One tenth resources, the rest emissions; each substance in every subcompartment of its compartment.
    while flows.len() < params.n_elementary_flows {
        let round = k / 10;
        let slot = (k % 10) as usize;
        k += 1;
        let (base, compartment_idx, unit) = if slot == 0 {
            let (name, unit) = RESOURCES[(round as usize) % RESOURCES.len()];
            (name, 3, unit)
        } else {
            (SUBSTANCES[(round as usize * 9 + slot) % SUBSTANCES.len()], slot % 3, KG)
        };
        let (compartment, subcompartments) = COMPARTMENTS[compartment_idx];
        let name = if round == 0 && slot == 0 || round < 4 && slot > 0 && (round as usize * 9 + slot) < SUBSTANCES.len()
        {
            base.to_owned()
        } else {
            format!("{base}, isomer {round}")
        };
        for (s, sub) in subcompartments.iter().enumerate() {
            if flows.len() >= params.n_elementary_flows {
                break;
            }
            let idx = flows.len() as u64;
            let cas = (compartment_idx != 3 && rng.chance(0.7)).then(|| {
                let first = 50 + (round as u32 * 10 + slot as u32) % 999_000;
                let second = (round as u32 * 7 + slot as u32) % 100;
                (first, second, cas_check(first, second))
            });
            flows.push(ElementaryFlow {
                id: Uid::derive(seed, 10, idx),
                name: name.clone(),
                compartment,
                subcompartment: sub,
                subcompartment_id: Uid::derive(seed, 11, (compartment_idx * 10 + s) as u64),
                unit,
                cas,
            });
        }
    }
    flows
}

/// CAS check digit: digits from the right weighted 1, 2, 3… modulo 10.
fn cas_check(first: u32, second: u32) -> u32 {
    let digits = format!("{first}{second:02}");
    digits.bytes().rev().enumerate().map(|(i, b)| (i as u32 + 1) * u32::from(b - b'0')).sum::<u32>() % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cas_check_digit_of_water() {
        assert_eq!(cas_check(7732, 18), 5);
        assert_eq!(cas_check(124, 38), 9);
    }

    #[test]
    fn same_seed_same_system() {
        let a = generate(&Params::with_size(300, 3));
        let b = generate(&Params::with_size(300, 3));
        assert_eq!(a.sizes(), b.sizes());
        assert_eq!(a.activities[100].technosphere[0].amount, b.activities[100].technosphere[0].amount);
    }
}
