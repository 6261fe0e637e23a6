// The instants Mozilla's ical.js (the parser inside Thunderbird) reads from calendars.
//
// stdin: one .ics text, or a JSON array of .ics texts (one node process for many calendars).
// stdout: JSON; per calendar a list of {uid, start, end, summary, location} (start and end in UTC
// epoch seconds), in file order
// (for a JSON array input, a list of such lists). Each calendar is read with only its own
// VTIMEZONEs registered, as a client reading that file would.
import ICAL from "ical.js";

function instants(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  ICAL.TimezoneService.reset();
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  return calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid, start: event.startDate.toUnixTime(), end: event.endDate.toUnixTime(),
      summary: event.summary ?? "", location: event.location ?? "",
    };
  });
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = Buffer.concat(chunks).toString("utf-8");
const result = input.trimStart().startsWith("[") ? JSON.parse(input).map(instants) : instants(input);
process.stdout.write(JSON.stringify(result));
