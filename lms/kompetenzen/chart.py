"""The profile chart as server-rendered SVG: target and current level per area as grouped bars.

The SVG is decorative for screen readers (the table beside it carries the same figures), but it
has a title and description so it is not silent. It is drawn at its natural size (labels 12 px)
inside a box that scrolls sideways where the screen is narrower, so a phone does not shrink it to
unreadable text.
"""
from markupsafe import Markup, escape

MIN_WIDTH, BAR, GAP, LEFT, TOP, BOTTOM = 240, 14, 18, 40, 20, 40  # MIN_WIDTH holds the legend
HEIGHT = 220
SCALE = (HEIGHT - TOP - BOTTOM) / 4  # pixels per level


def area_chart(summaries, *, title: str, description: str, target_label: str, current_label: str) -> Markup:
    group = 2 * BAR + GAP
    width = max(MIN_WIDTH, LEFT + group * len(summaries) + 20)
    base = HEIGHT - BOTTOM
    parts = [
        f'<div class="lms-scroll"><svg xmlns="http://www.w3.org/2000/svg" class="lms-chart" width="{width}" '
        f'height="{HEIGHT}" viewBox="0 0 {width} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>',
    ]
    for level in range(5):
        y = base - level * SCALE
        parts.append(f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" class="lms-chart__grid"/>')
        parts.append(f'<text x="{LEFT - 10}" y="{y + 4:.1f}" text-anchor="end" class="lms-chart__label">{level}</text>')
    for index, summary in enumerate(summaries):
        x = LEFT + 10 + index * group
        for offset, value, css in ((0, summary.mean_target, "target"), (BAR, summary.mean_current, "current")):
            height = value * SCALE
            parts.append(f'<rect x="{x + offset}" y="{base - height:.1f}" width="{BAR}" height="{height:.1f}" '
                         f'class="lms-chart__{css}"/>')
        parts.append(f'<text x="{x + BAR}" y="{base + 16}" text-anchor="middle" class="lms-chart__label">'
                     f'{escape(summary.area.code)}</text>')
    legend_y = HEIGHT - 8
    parts.append(f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" class="lms-chart__target"/>'
                 f'<text x="{LEFT + 14}" y="{legend_y}" class="lms-chart__label">{escape(target_label)}</text>')
    parts.append(f'<rect x="{LEFT + 120}" y="{legend_y - 9}" width="10" height="10" class="lms-chart__current"/>'
                 f'<text x="{LEFT + 134}" y="{legend_y}" class="lms-chart__label">{escape(current_label)}</text>')
    parts.append("</svg></div>")
    return Markup("".join(parts))
