import type { Index, Message, Term } from './types.js';

const EMPTY = new Uint8Array(0);

/** A message with every unused field zeroed, so all messages share one shape. */
export function newMessage(fields: Partial<Message> & Pick<Message, 'type' | 'from' | 'to'>): Message {
  return {
    term: 0 as Term,
    logTerm: 0 as Term,
    index: 0 as Index,
    commit: 0 as Index,
    reject: false,
    rejectHint: 0 as Index,
    entries: [],
    context: EMPTY,
    snapshot: null,
    ...fields,
  };
}

