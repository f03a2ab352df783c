import type { EpcisEvent } from './events.js';
import { EPCIS_CONTEXT, stableEventId } from './vocab.js';

/** Wraps events in an EPCISDocument (the form GS1's schema and EPCIS repositories accept). */
export function epcisDocument(events: readonly EpcisEvent[], opts: { sender?: string; createdAt?: number; id?: string } = {}): Record<string, unknown> {
  const created = opts.createdAt ?? Date.now();
  const doc: Record<string, unknown> = {
    '@context': EPCIS_CONTEXT,
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: new Date(created).toISOString(),
    id: opts.id ?? stableEventId('document', ...events.map((e) => e.eventID)),
    epcisBody: {
      // Inside a document the events inherit the document's @context.
      eventList: events.map((e) => {
        const { '@context': _ctx, ...rest } = e;
        void _ctx;
        return rest;
      }),
    },
  };
  if (opts.sender) doc.sender = opts.sender;
  return doc;
}
