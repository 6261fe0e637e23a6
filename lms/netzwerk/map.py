"""The Netzwerkkarte as server-rendered SVG: the region's youth welfare office in the middle, the
app's sectors around it, each drawn by how many of the region's institutions belong to it and
whether an agreement in force binds any of them.

A solid line means bound by an agreement, a dashed one partners without an agreement, a grey ring
a sector with no partner in the directory yet. The SVG has a title and a description; the table
below it carries the same figures and names, for screen readers and for print. It is drawn at its
natural size (labels 12 px and more) inside a box that scrolls sideways on narrow screens.
"""
import math

from markupsafe import Markup, escape

# The canvas, the ellipse the sectors sit on, the office in the middle: wide enough for the longest
# sector name ("Eingliederungshilfe (SGB IX)") beside a node on either side.
WIDTH, HEIGHT, RADIUS_X, RADIUS_Y, HUB = 860, 560, 230, 200, 46


def _node_radius(institutions: int) -> float:
    """Grows with the square root of the count, so that a sector with 400 does not swallow the page."""
    return 14 + min(24.0, 3 * math.sqrt(institutions))


def network_map(coverage, *, title: str, description: str, hub_label: str, figures, no_partner: str) -> Markup:
    """*coverage*: SectorCoverage rows; *figures(row)*: the second label line of a sector with partners.
    The scrolling box takes the keyboard focus, so that it scrolls without a mouse too."""
    centre_x, centre_y = WIDTH / 2, HEIGHT / 2
    parts = [
        f'<div class="lms-scroll" tabindex="0" role="region" aria-label="{escape(title)}">'
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lms-map" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="map-title map-desc">',
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>',
    ]
    nodes = []
    for index, row in enumerate(coverage):
        angle = -math.pi / 2 + 2 * math.pi * index / len(coverage)
        x, y = centre_x + RADIUS_X * math.cos(angle), centre_y + RADIUS_Y * math.sin(angle)
        state = "bound" if row.bound else "partners" if row.institutions else "empty"
        parts.append(f'<line x1="{centre_x}" y1="{centre_y}" x2="{x:.1f}" y2="{y:.1f}" class="lms-map__link '
                     f'lms-map__link--{state}"/>')
        nodes.append((row, angle, x, y, state))
    parts.append(f'<circle cx="{centre_x}" cy="{centre_y}" r="{HUB}" class="lms-map__hub"/>')
    for number, line in enumerate(hub_label.split("\n")):
        parts.append(f'<text x="{centre_x}" y="{centre_y - 4 + number * 16}" text-anchor="middle" '
                     f'class="lms-map__hub-label">{escape(line)}</text>')
    for row, angle, x, y, state in nodes:
        radius = _node_radius(row.institutions)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" class="lms-map__node lms-map__node--{state}"/>')
        if row.institutions:
            parts.append(f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" class="lms-map__count">'
                         f'{row.institutions}</text>')
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 0.3 else "start" if cos > 0 else "end"
        label_x = x + (radius + 8) * cos
        label_y = y + (radius + 16) * math.sin(angle) + (0 if abs(cos) >= 0.3 else (6 if math.sin(angle) > 0 else -10))
        second = figures(row) if row.institutions else no_partner
        parts.append(f'<text x="{label_x:.1f}" y="{label_y:.1f}" text-anchor="{anchor}" class="lms-map__label">'
                     f'{escape(row.label)}</text>')
        parts.append(f'<text x="{label_x:.1f}" y="{label_y + 15:.1f}" text-anchor="{anchor}" '
                     f'class="lms-map__figures">{escape(second)}</text>')
    parts.append("</svg></div>")
    return Markup("".join(parts))
