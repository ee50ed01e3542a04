//! Deterministic generator of ecoinvent-shaped LCA systems, for tests, benchmarks and comparisons.
//!
//! Shape: a giant strongly connected core (clusters of activities tied together by a few hub
//! activities such as electricity and transport markets, used by thousands), a large acyclic
//! remainder that uses the core, a few small loops, skewed elementary-flow use and sparse
//! characterization. Units vary by several orders of magnitude (a similarity scaling of a
//! column-diagonally-dominant matrix, so every generated system is non-singular).

use crate::System;

/// Parameters of a generated system; the same config always gives the same system.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticConfig {
    pub seed: u64,
    pub n_activities: usize,
    pub n_flows: usize,
    pub n_categories: usize,
    /// Activities in the giant loop.
    pub n_core: usize,
    /// Hub activities inside the core (markets used by many activities).
    pub n_hubs: usize,
    /// Size of a cluster of core activities that mostly supply each other.
    pub cluster_size: usize,
    /// Mean number of technosphere inputs per activity (off-diagonal).
    pub mean_inputs: f64,
    /// Mean number of biosphere exchanges per activity.
    pub mean_biosphere: f64,
    /// Two-activity loops outside the core.
    pub n_small_loops: usize,
    /// Share of activities with a negative production amount (waste treatment).
    pub waste_share: f64,
    /// Share of characterization factors that are negative.
    pub negative_factor_share: f64,
}

impl SyntheticConfig {
    /// ≈25,000 activities, ≈350,000 technosphere and ≈500,000 biosphere entries, 2,500 flows,
    /// 25 categories, a core loop of ≈5,700 activities (the shape of ecoinvent 3.x cut-off).
    pub fn ecoinvent_like(seed: u64) -> Self {
        SyntheticConfig {
            seed,
            n_activities: 25_000,
            n_flows: 2_500,
            n_categories: 25,
            n_core: 5_750,
            n_hubs: 60,
            cluster_size: 40,
            mean_inputs: 13.0,
            mean_biosphere: 20.0,
            n_small_loops: 15,
            waste_share: 0.03,
            negative_factor_share: 0.02,
        }
    }

    /// A smaller system of the same shape (core ≈ a quarter of the activities), without waste
    /// treatment: every impact is a sum of positive terms, so relative comparisons are meaningful.
    pub fn small(n_activities: usize, seed: u64) -> Self {
        SyntheticConfig {
            seed,
            n_activities,
            n_flows: (n_activities / 5).clamp(20, 2_500),
            n_categories: 5,
            n_core: n_activities / 4,
            n_hubs: (n_activities / 100).max(2),
            cluster_size: 12,
            mean_inputs: 6.0,
            mean_biosphere: 8.0,
            n_small_loops: (n_activities / 50).max(1),
            waste_share: 0.0,
            negative_factor_share: 0.0,
        }
    }
}

/// splitmix64: small, fast, and stable across platforms.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    /// Skewed towards 0 (cube of a uniform).
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * u * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// 10^uniform(lo, hi).
    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        10f64.powf(lo + (hi - lo) * self.unit())
    }

    /// Geometric-like count with the given mean, at least 1.
    fn count(&mut self, mean: f64) -> usize {
        let u = self.unit().max(1e-12);
        1 + (-(u.ln()) * (mean - 1.0).max(0.0)) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Generates the system described by `config`.
pub fn generate(config: &SyntheticConfig) -> System {
    let mut rng = Rng(config.seed);
    let n = config.n_activities.max(1);
    let n_core = config.n_core.min(n);
    let n_hubs = config.n_hubs.min(n_core);
    let cluster_size = config.cluster_size.max(2);
    // Roles by rank; activity indices are a random permutation of ranks so the matrix is unordered.
    let mut index_of_rank: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut index_of_rank);
    let n_base = (n - n_core) / 5;
    let base_start = n - n_base;

    // Inputs as (supplier rank, consumer rank) before values.
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let hub = |rng: &mut Rng| {
        let u = rng.unit();
        ((u * u * n_hubs as f64) as usize).min(n_hubs.saturating_sub(1))
    };
    for consumer in 0..n {
        let n_inputs = rng.count(config.mean_inputs);
        for _ in 0..n_inputs {
            let roll = rng.unit();
            let supplier = if consumer < n_hubs {
                // Hubs (markets) buy from core members of a few neighbouring clusters.
                let home = n_hubs + consumer * (n_core - n_hubs) / n_hubs.max(1);
                (home + rng.below(3 * cluster_size)).min(n_core - 1)
            } else if consumer < n_core {
                let cluster_start = (consumer / cluster_size) * cluster_size;
                if roll < 0.25 && n_hubs > 0 {
                    hub(&mut rng)
                } else if roll < 0.85 {
                    (cluster_start + rng.below(cluster_size)).min(n_core - 1)
                } else if roll < 0.86 {
                    rng.below(n_core)
                } else if n_base > 0 {
                    base_start + rng.below(n_base)
                } else {
                    rng.below(n_core)
                }
            } else if consumer < base_start {
                if roll < 0.3 && n_hubs > 0 {
                    hub(&mut rng)
                } else if roll < 0.45 {
                    rng.below(n_core)
                } else {
                    // A supplier deeper in the chain, mostly nearby.
                    let span = (n - consumer - 1).max(1);
                    let window = span.min(200 + rng.below(span));
                    consumer + 1 + rng.below(window)
                }
            } else {
                let span = n - consumer - 1;
                if span == 0 {
                    continue;
                }
                consumer + 1 + rng.below(span)
            };
            if supplier != consumer && supplier < n {
                edges.push((supplier, consumer));
            }
        }
    }
    // Small loops: a non-core activity supplies back its nearest deeper supplier.
    for _ in 0..config.n_small_loops {
        if base_start <= n_core + 1 {
            break;
        }
        let consumer = n_core + rng.below(base_start - n_core - 1);
        edges.push((consumer + 1, consumer));
        edges.push((consumer, consumer + 1));
    }

    // Values: column-diagonally dominant in "physical" units, then unit and production scaling.
    let unit_scale: Vec<f64> = (0..n).map(|_| rng.log_uniform(-2.0, 2.0)).collect();
    let production: Vec<f64> = (0..n)
        .map(|_| {
            let amount = if rng.unit() < 0.8 { 1.0 } else { rng.log_uniform(-2.0, 2.0) };
            if rng.unit() < config.waste_share { -amount } else { amount }
        })
        .collect();
    let raw: Vec<f64> = edges.iter().map(|_| rng.log_uniform(-3.0, 0.0)).collect();
    let mut column_sum = vec![0.0f64; n];
    for (&(_, consumer), &value) in edges.iter().zip(&raw) {
        column_sum[consumer] += value;
    }
    let mut technosphere = Vec::with_capacity(n + edges.len());
    for (&activity_idx, &amount) in index_of_rank.iter().zip(&production) {
        technosphere.push((activity_idx, activity_idx, amount));
    }
    for (&(supplier, consumer), &value) in edges.iter().zip(&raw) {
        let dominant = 0.8 * value / column_sum[consumer].max(1e-300);
        let amount = -dominant * unit_scale[supplier] / unit_scale[consumer] * production[consumer];
        technosphere.push((index_of_rank[supplier], index_of_rank[consumer], amount));
    }

    let n_flows = config.n_flows.max(1);
    let mut biosphere = Vec::new();
    for &activity_idx in &index_of_rank {
        for _ in 0..rng.count(config.mean_biosphere) {
            let u = rng.unit();
            let flow = ((u * u * u * n_flows as f64) as usize).min(n_flows - 1);
            biosphere.push((flow, activity_idx, rng.log_uniform(-9.0, 1.0)));
        }
    }
    let mut characterization = Vec::new();
    for category in 0..config.n_categories {
        let share = 0.02 + 0.38 * rng.unit();
        for flow in 0..n_flows {
            if rng.unit() < share {
                let sign = if rng.unit() < config.negative_factor_share { -1.0 } else { 1.0 };
                characterization.push((category, flow, sign * rng.log_uniform(-3.0, 3.0)));
            }
        }
    }
    System {
        activities: (0..n).map(|i| format!("activity-{i}")).collect(),
        flows: (0..n_flows).map(|i| format!("flow-{i}")).collect(),
        categories: (0..config.n_categories).map(|i| format!("category-{i}")).collect(),
        technosphere,
        biosphere,
        characterization,
    }
}

/// The release generator's shape: markets first (12 electricity markets, 4 transport markets, one market per other
/// product), then producers. A market buys from its product's producers (and transport); a producer buys
/// electricity, one or two transport markets and about 13 markets of products just upstream of its own, rarely
/// one anywhere. Input amounts sum to 0.2–0.8 of a unit production, so the matrix is non-singular. Nearly every
/// activity ends up in one loop with hubs bought by thousands, as in the `ecoref-synth` release (benchmarks use
/// it: `examples/compute_bench.rs --markets`).
pub fn generate_markets(n_activities: usize, seed: u64) -> System {
    const N_ELECTRICITY: usize = 12;
    const N_TRANSPORT: usize = 4;
    const UPSTREAM_WINDOW: usize = 100;
    const MAX_RANDOM_INPUTS: usize = 27;
    let mut rng = Rng(seed);
    let n_products = (n_activities / 5).max(1 + N_TRANSPORT + 5);
    let n_markets = N_ELECTRICITY + n_products - 1;
    let n = n_activities.max(n_markets + N_ELECTRICITY + n_products);
    // market_of_product[0] is the first electricity market; activity a < N_ELECTRICITY is electricity market a.
    let market_of_product: Vec<usize> =
        (0..n_products).map(|p| if p == 0 { 0 } else { N_ELECTRICITY + p - 1 }).collect();
    let mut product_of = vec![0usize; n];
    for (p, &market) in market_of_product.iter().enumerate().skip(1) {
        product_of[market] = p;
    }
    let mut producers_of: Vec<Vec<usize>> = vec![Vec::new(); n_products];
    for (k, activity) in (n_markets..n).enumerate() {
        let p = if k < N_ELECTRICITY {
            0
        } else if k < N_ELECTRICITY + n_products - 1 {
            k - N_ELECTRICITY + 1
        } else {
            rng.below(n_products)
        };
        product_of[activity] = p;
        producers_of[p].push(activity);
    }
    let mut technosphere: Vec<(usize, usize, f64)> = (0..n).map(|a| (a, a, 1.0)).collect();
    let mut providers: Vec<usize> = Vec::new();
    for (a, &p) in product_of.iter().enumerate() {
        providers.clear();
        if a < N_ELECTRICITY {
            providers.extend(producers_of[0].iter().copied().skip(a % 3).step_by(N_ELECTRICITY / 3).take(4));
        } else if a < n_markets {
            providers.extend(&producers_of[p]);
            if p > N_TRANSPORT {
                providers.push(market_of_product[1 + rng.below(N_TRANSPORT)]);
                providers.push(market_of_product[1 + rng.below(2)]);
            }
        } else {
            providers.push(rng.below(N_ELECTRICITY));
            providers.push(market_of_product[1 + rng.below(2)]);
            if rng.unit() < 0.5 {
                providers.push(market_of_product[3 + rng.below(2)]);
            }
            providers.sort_unstable();
            providers.dedup();
            let first = 1 + N_TRANSPORT;
            let n_wanted = providers.len() + rng.below(MAX_RANDOM_INPUTS + 1);
            let mut n_tries = 0;
            while providers.len() < n_wanted && n_tries < 8 * MAX_RANDOM_INPUTS {
                n_tries += 1;
                let upstream = n_products.saturating_sub(p + 1).min(UPSTREAM_WINDOW);
                let q = if upstream > 0 && rng.unit() < 0.99 {
                    p + 1 + if rng.unit() < 0.5 { rng.skewed(upstream) } else { rng.below(upstream) }
                } else {
                    first + rng.skewed(n_products - first)
                };
                if !providers.contains(&market_of_product[q]) {
                    providers.push(market_of_product[q]);
                }
            }
        }
        providers.sort_unstable();
        providers.dedup();
        providers.retain(|&x| x != a);
        let total = 0.2 + 0.6 * rng.unit();
        let weights: Vec<f64> = providers.iter().map(|_| (-7.0 * rng.unit()).exp()).collect();
        let sum: f64 = weights.iter().sum();
        for (&provider, &weight) in providers.iter().zip(&weights) {
            technosphere.push((provider, a, -(total * weight / sum).max(1e-12)));
        }
    }
    let n_flows = 2_500;
    let n_categories = 25;
    let mut biosphere = Vec::new();
    for a in 0..n {
        for _ in 0..rng.below(if a < n_markets { 5 } else { 41 }) {
            biosphere.push((rng.skewed(n_flows), a, 10f64.powf(-9.0 + 10.0 * rng.unit())));
        }
    }
    let mut characterization = Vec::new();
    for category in 0..n_categories {
        let share = [0.02, 0.05, 0.1, 0.3, 0.4][category % 5];
        for flow in 0..n_flows {
            if rng.unit() < share {
                characterization.push((category, flow, 10f64.powf(-3.0 + 6.0 * rng.unit())));
            }
        }
    }
    System {
        activities: (0..n).map(|i| format!("activity-{i}")).collect(),
        flows: (0..n_flows).map(|i| format!("flow-{i}")).collect(),
        categories: (0..n_categories).map(|i| format!("category-{i}")).collect(),
        technosphere,
        biosphere,
        characterization,
    }
}
