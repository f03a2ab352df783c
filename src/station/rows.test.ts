import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonWith, takeJson } from '../core/json.js';
import { withEvents } from './rows.js';

const ROOT = join(import.meta.dirname, '..', '..');
const example = (JSON.parse(readFileSync(join(ROOT, 'fixtures/epcis/examples/object_event_all_possible_fields.jsonld'), 'utf8')) as { epcisBody: { eventList: Array<Record<string, unknown>> } }).epcisBody.eventList[0] as Record<string, unknown>;

describe('an item row keeps its latest event per step', () => {
  it('as JSON.stringify of the merged steps, a replaced step in its place, a new one last', () => {
    const inspected = { ...example, eventID: 'urn:uuid:i' };
    const decided = { ...example, eventID: 'urn:uuid:d' };
    const before = JSON.stringify({ inspected: { eventID: 'urn:uuid:old' }, binned: { eventID: 'urn:uuid:b' } });
    expect(withEvents(before, { inspected, decided })).toBe(JSON.stringify({ inspected, binned: { eventID: 'urn:uuid:b' }, decided }));
    expect(withEvents('{}', {})).toBe('{}');
  });

  it("the outbox append that follows reuses the new events' JSON once, with the same bytes", () => {
    const decided = { ...example, eventID: 'urn:uuid:d2' };
    withEvents('{}', { decided });
    const kept = takeJson(decided);
    expect(kept).toBe(JSON.stringify(decided));
    expect(takeJson(decided)).toBeUndefined();
    expect(jsonWith(decided, kept ?? '', 'rs:stationSeq', 7)).toBe(JSON.stringify({ ...decided, 'rs:stationSeq': 7 }));
  });
});
