//! The year-to-date chart of the HTML report (inline SVG) and the tables beside it: the lines
//! reached and where the year stands.

use std::fmt::Write as _;

use super::page::{level_label, t, tally_label, thousands, Lang, W};
use crate::report::timeline::{Point, Standing, Tally, Timeline};
use crate::time::Date;

/// Day of the year, 0-based.
pub(super) fn day_of_year(date: &str, year: i32) -> f64 {
    let start = Date { year, month: 1, day: 1 }.to_days();
    match Date::parse(date) {
        Some(d) => (d.to_days() - start) as f64,
        None => 0.0,
    }
}

/// The chart: a step line per tally, the drawn national lines, and a marker where each line
/// was first reached. Logarithmic y axis from 1 to past 1,000,000.
pub(super) fn chart(w: &mut W, lang: Lang, tl: &Timeline) {
    const WIDTH: f64 = 980.0;
    const HEIGHT: f64 = 430.0;
    const LEFT: f64 = 78.0;
    const RIGHT: f64 = 150.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 44.0;
    let max = tl.points.iter().map(|p| p.persons.max(p.sensitive)).max().unwrap_or(0);
    // Room above the highest of the data and the 1,000,000 line.
    let top_decade = ((max.max(1_000_000) as f64).log10() + 0.35).max(6.35);
    let days = if crate::time::is_leap(tl.year) { 366.0 } else { 365.0 };
    let x = |d: f64| LEFT + (WIDTH - LEFT - RIGHT) * (d.clamp(0.0, days) / days);
    let y = |v: u64| {
        let l = (v.max(1) as f64).log10();
        TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - l / top_decade)
    };
    let f = |v: f64| format!("{v:.1}");
    w.open("figure", &[]);
    let view = format!("0 0 {WIDTH} {HEIGHT}");
    w.open(
        "svg",
        &[
            ("id", "ytd-chart"),
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("viewBox", &view),
            ("width", "100%"),
            ("role", "img"),
            ("aria-label", t(lang, "chart_caption")),
            ("data-year", &tl.year.to_string()),
            ("data-exporter", &tl.exporter),
        ],
    );
    // Grid and y labels: every decade.
    for dec in 0..=top_decade.floor() as u32 {
        let v = 10u64.pow(dec);
        let yy = f(y(v));
        w.void("line", &[("class", "grid"), ("x1", &f(LEFT)), ("x2", &f(WIDTH - RIGHT)), ("y1", &yy), ("y2", &yy)]);
        w.el("text", &[("x", &f(LEFT - 6.0)), ("y", &f(y(v) + 4.0)), ("text-anchor", "end")], &thousands(v));
    }
    // x axis: months.
    let base = HEIGHT - BOTTOM;
    w.void(
        "line",
        &[("class", "axis"), ("x1", &f(LEFT)), ("x2", &f(WIDTH - RIGHT)), ("y1", &f(base)), ("y2", &f(base))],
    );
    for m in 1..=12u32 {
        let d = day_of_year(&format!("{}-{m:02}-01", tl.year), tl.year);
        w.void("line", &[("class", "grid"), ("x1", &f(x(d))), ("x2", &f(x(d))), ("y1", &f(TOP)), ("y2", &f(base))]);
        let label = if m == 1 { format!("{}-01", tl.year) } else { format!("{m:02}") };
        w.el("text", &[("x", &f(x(d) + 2.0)), ("y", &f(base + 16.0))], &label);
    }
    // The policy's volume lines.
    for l in tl.lines.iter().filter(|l| l.drawn) {
        let id = format!("line-{}", l.id());
        let class = format!("threshold {}", l.tally.as_str());
        let yy = f(y(l.value));
        w.void(
            "line",
            &[
                ("id", &id),
                ("class", &class),
                ("data-line", &l.id()),
                ("data-tally", l.tally.as_str()),
                ("data-value", &l.value.to_string()),
                ("data-level", l.level.as_str()),
                ("x1", &f(LEFT)),
                ("x2", &f(WIDTH - RIGHT)),
                ("y1", &yy),
                ("y2", &yy),
            ],
        );
        let label = format!("{} {} → {}", thousands(l.value), tally_label(lang, l.tally), level_label(lang, l.level));
        w.el(
            "text",
            &[
                ("class", "threshold-label"),
                ("x", &f(WIDTH - RIGHT - 6.0)),
                ("y", &f(y(l.value) - 5.0)),
                ("text-anchor", "end"),
            ],
            &label,
        );
    }
    // The series, as steps: the count holds until the next transfer.
    for tally in [Tally::Persons, Tally::Sensitive] {
        let value = |p: &Point| match tally {
            Tally::Persons => p.persons,
            Tally::Sensitive => p.sensitive,
        };
        let mut d = format!("M{} {}", f(x(0.0)), f(y(0)));
        let mut last = 0u64;
        for p in &tl.points {
            let px = x(day_of_year(&p.date, tl.year));
            let _ = write!(d, " L{} {} L{} {}", f(px), f(y(last)), f(px), f(y(value(p))));
            last = value(p);
        }
        let class = format!("series {}", tally.as_str());
        w.void("path", &[("class", &class), ("d", &d), ("data-tally", tally.as_str())]);
        for p in &tl.points {
            let class = if p.pending {
                format!("point {} pending", tally.as_str())
            } else {
                format!("point {}", tally.as_str())
            };
            let seq = p.seq.map(|s| s.to_string()).unwrap_or_default();
            w.open(
                "circle",
                &[
                    ("class", &class),
                    ("cx", &f(x(day_of_year(&p.date, tl.year)))),
                    ("cy", &f(y(value(p)))),
                    ("r", "3.5"),
                    ("data-seq", &seq),
                    ("data-date", &p.date),
                    ("data-value", &value(p).to_string()),
                ],
            );
            w.el(
                "title",
                &[],
                &format!("{} {}: {} {}", p.date, p.object, thousands(value(p)), tally_label(lang, tally)),
            );
            w.close("circle");
        }
    }
    // Crossing markers for the drawn lines.
    for c in &tl.crossings {
        let Some(line) = tl.lines.iter().find(|l| l.id() == c.line) else { continue };
        if !line.drawn {
            continue;
        }
        let cx = x(day_of_year(&c.date, tl.year));
        let cy = y(c.count);
        let id = format!("crossing-{}", c.line);
        let seq = c.seq.map(|s| s.to_string()).unwrap_or_default();
        w.open(
            "circle",
            &[
                ("id", &id),
                ("class", "crossing"),
                ("cx", &f(cx)),
                ("cy", &f(cy)),
                ("r", "8"),
                ("data-line", &c.line),
                ("data-date", &c.date),
                ("data-object", &c.object),
                ("data-seq", &seq),
                ("data-count", &c.count.to_string()),
            ],
        );
        w.el("title", &[], &format!("{} {} {}: {}", thousands(c.value), tally_label(lang, c.tally), c.date, c.object));
        w.close("circle");
        // Below the line: the line's own label sits above it, at the right.
        w.el("text", &[("class", "crossing-label"), ("x", &f(cx + 10.0)), ("y", &f(cy + 20.0))], &c.date);
    }
    // Legend.
    let lx = WIDTH - RIGHT + 6.0;
    for (i, tally) in [Tally::Persons, Tally::Sensitive].into_iter().enumerate() {
        let ly = TOP + 10.0 + 18.0 * i as f64;
        let class = format!("series {}", tally.as_str());
        w.void("line", &[("class", &class), ("x1", &f(lx)), ("x2", &f(lx + 22.0)), ("y1", &f(ly)), ("y2", &f(ly))]);
        w.el("text", &[("x", &f(lx + 28.0)), ("y", &f(ly + 4.0))], tally_label(lang, tally));
    }
    w.close("svg");
    w.el("figcaption", &[], t(lang, "chart_caption"));
    w.close("figure");
}

pub(super) fn crossings_table(w: &mut W, lang: Lang, tl: &Timeline) {
    w.el("h3", &[], t(lang, "crossings"));
    if tl.crossings.is_empty() {
        w.el("p", &[("class", "no-crossing")], t(lang, "none_reached"));
        return;
    }
    w.open("table", &[("id", "crossings")]);
    w.head_row(&[
        t(lang, "line"),
        t(lang, "reached_on"),
        t(lang, "object"),
        t(lang, "count_then"),
        t(lang, "procedure"),
        t(lang, "citation"),
    ]);
    for c in &tl.crossings {
        w.open("tr", &[("data-line", &c.line), ("data-date", &c.date), ("data-object", &c.object)]);
        w.el("td", &[], &format!("{} {}", thousands(c.value), tally_label(lang, c.tally)));
        w.el("td", &[], &c.date);
        w.el("td", &[("class", "mono")], &c.object);
        w.el("td", &[("class", "num")], &thousands(c.count));
        w.el("td", &[], level_label(lang, c.level));
        w.el("td", &[], &c.cite);
        w.close("tr");
    }
    w.close("table");
}

pub(super) fn standing_rows(w: &mut W, lang: Lang, s: &Standing) {
    w.row(&[t(lang, "standing"), &format!("{} ({})", level_label(lang, s.level), s.level.as_str())]);
    for n in &s.next {
        w.open("tr", &[("data-next-line", &n.line), ("data-remaining", &n.remaining.to_string())]);
        w.el("td", &[], t(lang, "next_line"));
        w.el(
            "td",
            &[],
            &format!(
                "{} {} → {} ({}): {} {}",
                thousands(n.value),
                tally_label(lang, n.tally),
                level_label(lang, n.level),
                n.cite,
                thousands(n.remaining),
                t(lang, "remaining")
            ),
        );
        w.close("tr");
    }
}
