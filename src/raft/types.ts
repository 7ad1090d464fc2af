// The vocabulary of the consensus core. Everything here is plain data: the
// storage, transport and simulator layers encode, persist and deliver these
// shapes without knowing how the core decides anything.

/** A Raft term. Monotonic per node; 0 means "no term yet". */
export type Term = number & { readonly __brand: 'Term' };
/** A log position. Index 0 is the empty prefix; the first real entry is 1. */
export type Index = number & { readonly __brand: 'Index' };
/** A member's stable name, e.g. "node1". The empty string means "nobody". */
export type NodeId = string & { readonly __brand: 'NodeId' };

export const term = (n: number): Term => n as Term;
export const index = (n: number): Index => n as Index;
export const nodeId = (s: string): NodeId => s as NodeId;
export const NONE = '' as NodeId;

export const EntryType = {
  /** A client command, or an empty no-op when data is empty. */
  Normal: 0,
  /** A membership change; data is an encoded ConfState (reserved, not yet proposed). */
  ConfChange: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly term: Term;
  readonly index: Index;
  readonly type: EntryType;
  /** Opaque to the core. An empty array in a Normal entry is the leader's no-op. */
  readonly data: Uint8Array;
}

/** What must survive a crash besides the log (Figure 2, "persistent state"). */
export interface HardState {
  readonly term: Term;
  readonly vote: NodeId;
  readonly commit: Index;
}

/** The voting members. Quorums are counted over this, never over "peers + 1". */
export interface ConfState {
  readonly voters: readonly NodeId[];
}

export interface SnapshotMeta {
  /** Last log index the snapshot covers. */
  readonly index: Index;
  /** Term of the entry at `index`. */
  readonly term: Term;
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The state machine image; opaque to the core. */
  readonly data: Uint8Array;
}

export const MessageType = {
  MsgVote: 1,
  MsgVoteResp: 2,
  MsgPreVote: 3,
  MsgPreVoteResp: 4,
  MsgApp: 5,
  MsgAppResp: 6,
  MsgHeartbeat: 7,
  MsgHeartbeatResp: 8,
  MsgSnap: 9,
  /** A leader's order to a transfer target to campaign at once (3.10). */
  MsgTimeoutNow: 10,
  /** A follower asks the leader for a read index on behalf of its clients (6.4). */
  MsgReadIndex: 11,
  MsgReadIndexResp: 12,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const messageTypeNames = new Map<number, string>(Object.entries(MessageType).map(([k, v]) => [v, k]));
export function messageTypeName(t: MessageType): string {
  return messageTypeNames.get(t) ?? `Msg?${t}`;
}

/**
 * One flat message shape for every kind (etcd's raftpb.Message): fields a kind
 * does not use are zero. Flat is what makes a compact binary codec easy.
 *
 * Field use by kind:
 * - MsgApp:          logTerm/index = the entry preceding `entries`; commit = leader commit
 * - MsgAppResp:      index = last index now matching (accept) or the rejected index (reject);
 *                    rejectHint/logTerm = the follower's conflict hint (reject)
 * - MsgVote/PreVote: index/logTerm = candidate's last entry; term = the term campaigned for
 * - Msg*VoteResp:    reject = denied
 * - MsgHeartbeat:    commit = min(leader commit, follower match); context = read-index round
 * - MsgHeartbeatResp: context echoed
 * - MsgSnap:         snapshot
 * - MsgReadIndex:    context = the request id; MsgReadIndexResp: index = read index, context echoed,
 *                    reject = the leader could not serve it (not leader / no commit in its term yet)
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
  readonly logTerm: Term;
  readonly index: Index;
  readonly commit: Index;
  readonly reject: boolean;
  readonly rejectHint: Index;
  readonly entries: readonly Entry[];
  /** Opaque bytes echoed back (read-index round ids). Empty when unused. */
  readonly context: Uint8Array;
  readonly snapshot: Snapshot | null;
}

export const Role = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Volatile state worth reporting (/debug, metrics); never persisted. */
export interface SoftState {
  readonly role: Role;
  readonly leaderId: NodeId;
}

/** A read released by the core: the driver may serve it once lastApplied >= index. */
export interface ReadState {
  readonly index: Index;
  /** The caller's context passed to readIndex(). */
  readonly context: Uint8Array;
}

/**
 * Everything the driver must do now, in this order:
 *  1. send `messages` (they do not depend on this Ready being durable: the leader's
 *     MsgApp/heartbeats may go out while it writes the same entries, dissertation 10.2.1);
 *  2. make `snapshot`, then `entries`, then `hardState` durable. Writing an entry at index i
 *     first discards every persisted entry with index >= i;
 *  3. only then send `messagesAfterPersist` (votes, acknowledgements);
 *  4. if `snapshot` is set, restore the state machine from it; then apply `committedEntries`
 *     in order. Committed entries are durable on a quorum already, so step 4 may also run
 *     before step 2 completes (the driver does so, to answer clients one fsync sooner);
 *  5. call `advance(ready)`.
 * `readStates` may be served as soon as the state machine has applied up to their index.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly messagesAfterPersist: readonly Message[];
  readonly readStates: readonly ReadState[];
  /** True when hardState, entries or snapshot must be fsynced before step 3. */
  readonly mustSync: boolean;
}

/** Why a proposal or read was not accepted; the caller decides whether to retry elsewhere. */
export type ProposeResult =
  | { readonly ok: true; readonly index: Index; readonly term: Term }
  | { readonly ok: false; readonly reason: 'not-leader' | 'transferring'; readonly leaderId: NodeId };

/** What survived on disk, handed to the core at start. */
export interface RestoredState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous. */
  readonly entries: readonly Entry[];
}

/** A PRNG handed in by the driver: returns an integer in [0, n). */
export type RandomInt = (n: number) => number;

export interface RaftConfig {
  readonly id: NodeId;
  /** Initial voters, used when the restored state carries no snapshot with a ConfState. */
  readonly voters: readonly NodeId[];
  /** Ticks without hearing from a leader before campaigning; randomized in [t, 2t). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly random: RandomInt;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /** Bytes of entries per MsgApp (at least one entry is always sent). */
  readonly maxMsgBytes?: number;
  /** MsgApp messages in flight per follower in replicate state. */
  readonly maxInflightMsgs?: number;
  /** Bytes of entries in flight per follower (0 = unlimited). */
  readonly maxInflightBytes?: number;
}
