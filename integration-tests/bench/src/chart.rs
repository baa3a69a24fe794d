//! The charts of the page: grouped bars on a log scale, one group per server.

use std::path::Path;

use plotters::prelude::*;

use crate::Error;
use crate::run::{Results, STACKS, Scenario};
use crate::summary::{Summary, summary};

/// One bar colour: a scenario's value for every server (`None`: did not run there).
struct Series {
    label: &'static str,
    values: Vec<Option<f64>>,
}

/// Writes the CPU-per-request chart and the throughput chart into `dir`.
pub fn write(dir: &Path, results: &Results) -> Result<(), Error> {
    let series = |pick: fn(&Summary) -> f64| -> Vec<Series> {
        Scenario::ALL
            .iter()
            .map(|&scenario| Series {
                label: scenario.label(),
                values: STACKS
                    .iter()
                    .map(|&stack| summary(results, stack, scenario).map(|s| pick(&s)))
                    .collect(),
            })
            .collect()
    };
    bars(
        &dir.join(crate::report::CPU_CHART),
        "Server CPU per request (µs, log scale; lower is better)",
        &series(|s| s.cpu_us),
    )?;
    bars(
        &dir.join(crate::report::THROUGHPUT_CHART),
        "Requests per second on one core (log scale; higher is better)",
        &series(|s| s.per_second),
    )
}

fn bars(path: &Path, title: &str, series: &[Series]) -> Result<(), Error> {
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied());
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if low > high || low <= 0.0 {
        return Err(format!("nothing to draw in {}", path.display()).into());
    }
    // Headroom above the tallest bar keeps the legend clear of every bar.
    let (floor, ceiling) = (low / 2.0, high * 25.0);
    let root = SVGBackend::new(path, (1000, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    #[expect(clippy::cast_precision_loss, reason = "a handful of servers")]
    let groups = STACKS.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5..groups - 0.5, (floor..ceiling).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(STACKS.len())
        .x_label_formatter(&|x| {
            let index = x.round();
            if (x - index).abs() > 1e-6 || index < 0.0 {
                return String::new();
            }
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "checked above"
            )]
            STACKS
                .get(index as usize)
                .map_or_else(String::new, |s| s.name.to_owned())
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    #[expect(clippy::cast_precision_loss, reason = "a handful of scenarios")]
    let width = 0.8 / series.len() as f64;
    for (j, one) in series.iter().enumerate() {
        let color = Palette99::pick(j).to_rgba();
        #[expect(clippy::cast_precision_loss, reason = "a handful of servers")]
        let bars = one.values.iter().enumerate().filter_map(|(i, v)| {
            let left = i as f64 - 0.4 + j as f64 * width;
            v.map(|v| Rectangle::new([(left, floor), (left + width * 0.9, v)], color.filled()))
        });
        chart
            .draw_series(bars)?
            .label(one.label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
