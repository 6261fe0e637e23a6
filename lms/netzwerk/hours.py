"""When a number is reachable: weekly windows written as people write them ("Mo–Do 16:00–24:00").

A window lies within one day: it starts before it ends, and 24:00 ends the day. A service reachable
overnight is two lines ("Mo–Do 16:00–24:00" and "Di–Fr 00:00–08:00"), so each line reads as what it
says and no line means "until tomorrow". Times are Berlin wall-clock times: at a DST change a window
keeps its local hours, so 16:00 stays 16:00 whatever the UTC offset.
"""
import re
from dataclasses import dataclass
from datetime import datetime

from lms.i18n import _l
from lms.ical import BERLIN

DAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
END_OF_DAY = 24 * 60
MAX_LINES = 14
_LINE = re.compile(r"^(?P<days>[A-Za-zäÄ ,\-–]+?)\s+(?P<start>\d{1,2}[:.]\d{2})\s*[-–]\s*(?P<end>\d{1,2}[:.]\d{2})"
                   r"(?:\s*Uhr)?$")


class HoursError(ValueError):
    """A line that is not a window; the message is German and names the line."""


@dataclass(frozen=True, order=True)
class Window:
    weekday: int  # 0 = Monday
    starts: int  # minutes after midnight
    ends: int  # minutes after midnight, up to END_OF_DAY

    def overlaps(self, other: "Window") -> bool:
        return self.weekday == other.weekday and self.starts < other.ends and other.starts < self.ends


def _days(text: str, number: int) -> list[int]:
    days = []
    for part in re.split(r"\s*,\s*", text.strip()):
        ends = re.split(r"\s*[-–]\s*", part)
        try:
            indexes = [DAYS.index(end.strip()[:2].capitalize()) for end in ends]
        except ValueError:
            raise HoursError(_l("Zeile %(number)d: Bitte nennen Sie die Tage kurz, z. B. „Mo–Fr“ oder „Sa, So“.",
                                number=number)) from None
        if len(indexes) == 1:
            days.append(indexes[0])
        elif len(indexes) == 2 and indexes[0] <= indexes[1]:
            days.extend(range(indexes[0], indexes[1] + 1))
        else:
            raise HoursError(_l("Zeile %(number)d: Ein Zeitraum von Tagen läuft von Montag bis Sonntag, z. B. „Mo–Fr“.",
                                number=number))
    return days


def _minutes(text: str, number: int) -> int:
    hours, minutes = (int(part) for part in re.split(r"[:.]", text))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise HoursError(_l("Zeile %(number)d: „%(time)s“ ist keine Uhrzeit.", number=number, time=text))
    return hours * 60 + minutes


def parse(text: str) -> list[Window]:
    """The windows of *text*, one line per rule; HoursError names the first line that is not one."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise HoursError(_l("Bitte fassen Sie die Zeiten in höchstens %(count)d Zeilen.", count=MAX_LINES))
    windows: list[Window] = []
    for number, line in enumerate(lines, start=1):
        match = _LINE.match(line)
        if not match:
            raise HoursError(_l("Zeile %(number)d: Bitte schreiben Sie Tage und Zeiten wie „Mo–Do 16:00–24:00“.",
                                number=number))
        starts, ends = _minutes(match["start"], number), _minutes(match["end"], number)
        if ends <= starts:
            raise HoursError(_l("Zeile %(number)d: Das Ende muss nach dem Beginn liegen. Über Mitternacht schreiben "
                                "Sie zwei Zeilen, z. B. „Mo 16:00–24:00“ und „Di 00:00–08:00“.", number=number))
        for day in _days(match["days"], number):
            window = Window(day, starts, ends)
            if any(window.overlaps(other) for other in windows):
                raise HoursError(_l("Zeile %(number)d überschneidet sich mit einer Zeile davor.", number=number))
            windows.append(window)
    return sorted(windows)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def lines(windows) -> list[str]:
    """*windows* written back as lines, days with the same times joined ("Mo–Do 16:00–24:00")."""
    by_times: dict[tuple[int, int], list[int]] = {}
    for window in sorted(windows):
        by_times.setdefault((window.starts, window.ends), []).append(window.weekday)
    written = []
    for (starts, ends), days in sorted(by_times.items(), key=lambda item: (item[1][0], item[0])):
        runs, run = [], [days[0]]
        for day in days[1:]:
            if day == run[-1] + 1:
                run.append(day)
            else:
                runs.append(run)
                run = [day]
        runs.append(run)
        named = ", ".join(", ".join(DAYS[day] for day in r) if len(r) <= 2 else f"{DAYS[r[0]]}–{DAYS[r[-1]]}"
                          for r in runs)
        written.append(f"{named} {_clock(starts)}–{_clock(ends)}")
    return written


def is_open(windows, moment: datetime) -> bool:
    """Whether *moment* (aware) falls into one of *windows*, read on Berlin's wall clock."""
    local = moment.astimezone(BERLIN)
    minute = local.hour * 60 + local.minute
    return any(w.weekday == local.weekday() and w.starts <= minute < w.ends for w in windows)
