import { hash64, hashHi, hashLo } from './hash64.js';
import { releaseArrays } from './release-arrays.js';
import { Hash64Table } from './hash64-table.js';
import type { SessionsOfRange } from './range-result.js';
import { TraceIdTable } from './trace-id-table.js';

/**
 * Every session of the input as a small integer (its index, in order of first sight), with what the rollup needs of
 * each across the whole input, since a session's first span may be in any hour: its first start, its first tool
 * call, its user. A session is a conversation (`c:<id>`), or a trace whose spans carry no conversation id
 * (`t:<trace id>`). Users are numbers too ({@link userKey}), so buckets count them without holding their ids.
 * Memory: per conversation ~18 bytes of hash table (its id hashed to 64 bits: two ids share a session only by a 1 in
 * 2^64 chance per pair) and 29 of typed arrays; per user ~18 of hash table (the same way); per trace ~18
 * (trace-id-table.ts); the id itself only while the session has no user id (the seed counts such a session as its
 * own user). Measured by bench/rollup/throughput.ts.
 */
export class SessionTable {
  private _count = 0;
  /** Conversation id (hashed) → session. */
  private readonly _conversations = new Hash64Table();
  /** Trace id → its session, for the traces whose spans carried no conversation id (the rare case). */
  private readonly _traceSessions = new Map<string, number>();
  /** Session → its trace id, for those sessions. */
  private readonly _traceOf = new Map<number, string>();
  /** Session → its conversation id, while it has no user id. */
  private readonly _idOf = new Map<number, string>();
  private _firstStartMs = new Float64Array(INITIAL);
  /** Start and end of the execute_tool span that started first; NaN while there is none. */
  private _firstToolStartMs = new Float64Array(INITIAL);
  private _firstToolEndMs = new Float64Array(INITIAL);
  /** The session's user ({@link userKey}) + 1; 0 while the session has no user id. */
  private _user = new Int32Array(INITIAL);
  /** 1 once a span of the session was tracked. */
  private _tracked = new Uint8Array(INITIAL);
  /** User id (hashed) → its number; also the ids that stand for a user (the seed's `user_id or session_id`). */
  private readonly _userKeys = new Hash64Table();
  private _userKeyCount = 0;
  /** The last user id given to {@link userKey} and its number: a user's spans mostly come in a run. */
  private _lastUserId: string | undefined;
  private _lastUserKey = -1;
  /** Trace → the session of the first conversation id seen on it, so spans of the trace that lack the id join it. */
  private readonly _traceConversation = new TraceIdTable();
  /** The last conversation and trace seen, and the conversation's session: spans of a trace mostly come in a run. */
  private _lastConversation: string | undefined;
  private _lastTrace: string | undefined;
  private _lastSession = -1;

  /**
   * The session of a span: its conversation, else the conversation its trace carried earlier in the input, else
   * its trace (merged into the trace's conversation by {@link resolve} if one turns up later).
   */
  sessionOf(traceId: string, conversationId: string | undefined): number {
    if (conversationId !== undefined) {
      if (conversationId !== this._lastConversation) {
        hash64(conversationId);
        const session = this._conversations.setIfAbsent(hashHi, hashLo, this._count);
        if (session === this._count) {
          this._add();
          this._idOf.set(session, conversationId);
        }
        this._lastSession = session;
        this._lastConversation = conversationId;
        this._lastTrace = undefined;
      }
      if (traceId !== this._lastTrace) {
        this._traceConversation.setIfAbsent(traceId, this._lastSession);
        this._lastTrace = traceId;
      }
      return this._lastSession;
    }
    const known = this._traceConversation.get(traceId);
    if (known >= 0) return known;
    let session = this._traceSessions.get(traceId);
    if (session === undefined) {
      session = this._add();
      this._traceSessions.set(traceId, session);
      this._traceOf.set(session, traceId);
    }
    return session;
  }

  /** Takes in one span of `session`: its start, whether it is a tool call, its user id. */
  track(session: number, startMs: number, endMs: number, isTool: boolean, userId: string | undefined): void {
    if (this._tracked[session] === 0) {
      this._tracked[session] = 1;
      this._firstStartMs[session] = startMs;
    } else if (startMs < this._firstStartMs[session]!) {
      this._firstStartMs[session] = startMs;
    }
    if (this._user[session] === 0 && userId !== undefined) {
      this._user[session] = this.userKey(userId) + 1;
      this._idOf.delete(session);
    }
    if (isTool && !(startMs >= this._firstToolStartMs[session]!)) {
      this._firstToolStartMs[session] = startMs;
      this._firstToolEndMs[session] = endMs;
    }
  }

  /**
   * Merges each `t:<trace>` session whose trace turned out (later in the input) to carry a conversation id into
   * that conversation's, folding their totals in order of first sight. Returns each session's final session.
   */
  resolve(): Int32Array {
    const final = new Int32Array(this._count);
    for (let i = 0; i < final.length; i++) final[i] = i;
    const groups = new Map<number, number[]>();
    for (const [i, traceId] of this._traceOf) {
      const conversation = this._traceConversation.get(traceId);
      if (conversation < 0) continue;
      final[i] = conversation;
      const members = groups.get(conversation);
      if (members === undefined) groups.set(conversation, [conversation, i]);
      else members.push(i);
    }
    for (const [into, members] of groups) this._fold(into, members.sort((a, b) => a - b));
    return final;
  }

  /** Seconds from the session's first start to its first tool call's start; undefined without a tool call. */
  ttfaSeconds(session: number): number | undefined {
    const toolStartMs = this._firstToolStartMs[session]!;
    return Number.isNaN(toolStartMs) ? undefined : (toolStartMs - this._firstStartMs[session]!) / 1000;
  }

  /** End of the session's first tool call (NaN without one). */
  firstToolEndMs(session: number): number {
    return this._firstToolEndMs[session]!;
  }

  /**
   * The number of a user id, or of any id counted as a user: equal ids get equal numbers, so a set of numbers counts
   * what the seed's set of id strings counts.
   */
  userKey(id: string): number {
    if (id === this._lastUserId) return this._lastUserKey;
    hash64(id);
    const key = this._userKeyOf(hashHi, hashLo);
    this._lastUserId = id;
    this._lastUserKey = key;
    return key;
  }

  /** The number of the user id whose hash is (hi, lo). */
  private _userKeyOf(hi: number, lo: number): number {
    const key = this._userKeys.setIfAbsent(hi, lo, this._userKeyCount);
    if (key === this._userKeyCount) this._userKeyCount++;
    return key;
  }

  /** The seed's `user_id or session_id` as a {@link userKey}: the session's user id, else its conversation (or trace) id. */
  userOrIdKey(session: number): number {
    const user = this._user[session]!;
    if (user !== 0) return user - 1;
    return this.userKey(this._traceOf.get(session) ?? this._idOf.get(session)!);
  }

  /** The table as a worker thread hands it to the main thread (range-result.ts). */
  export(): SessionsOfRange {
    const n = this._count;
    const keyHi = new Int32Array(n);
    const keyLo = new Int32Array(n);
    this._conversations.forEach((hi, lo, session) => {
      keyHi[session] = hi;
      keyLo[session] = lo;
    });
    const userHi = new Int32Array(this._userKeyCount);
    const userLo = new Int32Array(this._userKeyCount);
    this._userKeys.forEach((hi, lo, key) => {
      userHi[key] = hi;
      userLo[key] = lo;
    });
    const traceConversations: number[] = [];
    const otherTraceConversations: Array<[string, number]> = [];
    this._traceConversation.forEach(
      (hi, lo, session) => traceConversations.push(hi, lo, session),
      (id, session) => otherTraceConversations.push([id, session]),
    );
    return {
      count: n,
      keyHi,
      keyLo,
      traceSessions: [...this._traceOf],
      ids: [...this._idOf],
      firstStartMs: this._firstStartMs.slice(0, n),
      firstToolStartMs: this._firstToolStartMs.slice(0, n),
      firstToolEndMs: this._firstToolEndMs.slice(0, n),
      user: this._user.slice(0, n),
      userHi,
      userLo,
      traceConversations: Int32Array.from(traceConversations),
      otherTraceConversations,
    };
  }

  /**
   * Takes in a later byte range's table (its sessions in order of first sight there), as if its spans had come here
   * one by one: returns where each of its sessions and users went here, or undefined when the range saw a trace with
   * another conversation id than this table had for it (the range's spans without one may then belong elsewhere).
   */
  absorb(range: SessionsOfRange): { sessions: Int32Array; users: Int32Array } | undefined {
    const users = new Int32Array(range.userHi.length);
    for (let k = 0; k < users.length; k++) users[k] = this._userKeyOf(range.userHi[k]!, range.userLo[k]!);
    const traceOf = new Map(range.traceSessions);
    const idOf = new Map(range.ids);
    const sessions = new Int32Array(range.count);
    // Sessions first: a span without a conversation id went to its trace's conversation if the ranges before had one.
    for (let s = 0; s < range.count; s++) {
      const traceId = traceOf.get(s);
      if (traceId === undefined) {
        const session = this._conversations.setIfAbsent(range.keyHi[s]!, range.keyLo[s]!, this._count);
        if (session === this._count) {
          this._add();
          const id = idOf.get(s);
          if (id !== undefined) this._idOf.set(session, id);
        }
        sessions[s] = session;
        continue;
      }
      const known = this._traceConversation.get(traceId);
      if (known >= 0) {
        sessions[s] = known;
        continue;
      }
      let session = this._traceSessions.get(traceId);
      if (session === undefined) {
        session = this._add();
        this._traceSessions.set(traceId, session);
        this._traceOf.set(session, traceId);
      }
      sessions[s] = session;
    }
    // Then the range's traces' first conversations.
    const tc = range.traceConversations;
    for (let i = 0; i < tc.length; i += 3) {
      const session = sessions[tc[i + 2]!]!;
      if (this._traceConversation.setIfAbsentWords(tc[i]!, tc[i + 1]!, session) !== session) return undefined;
    }
    for (const [traceId, s] of range.otherTraceConversations) {
      const session = sessions[s]!;
      const known = this._traceConversation.get(traceId);
      if (known >= 0 && known !== session) return undefined;
      this._traceConversation.setIfAbsent(traceId, session);
    }
    for (let s = 0; s < range.count; s++) {
      const g = sessions[s]!;
      const startMs = range.firstStartMs[s]!;
      if (this._tracked[g] === 0) {
        this._tracked[g] = 1;
        this._firstStartMs[g] = startMs;
      } else if (startMs < this._firstStartMs[g]!) {
        this._firstStartMs[g] = startMs;
      }
      const user = range.user[s]!;
      if (this._user[g] === 0 && user !== 0) {
        this._user[g] = users[user - 1]! + 1;
        this._idOf.delete(g);
      }
      const toolStartMs = range.firstToolStartMs[s]!;
      if (!Number.isNaN(toolStartMs) && !(toolStartMs >= this._firstToolStartMs[g]!)) {
        this._firstToolStartMs[g] = toolStartMs;
        this._firstToolEndMs[g] = range.firstToolEndMs[s]!;
      }
    }
    return { sessions, users };
  }

  /** Number of sessions. */
  get size(): number {
    return this._count;
  }

  /** The totals of `members` (in order of first sight) folded into `into`, as one session seen from the start. */
  private _fold(into: number, members: readonly number[]): void {
    const first = members[0]!;
    let startMs = this._firstStartMs[first]!;
    let toolStartMs = this._firstToolStartMs[first]!;
    let toolEndMs = this._firstToolEndMs[first]!;
    let user = this._user[first]!;
    for (let k = 1; k < members.length; k++) {
      const m = members[k]!;
      startMs = Math.min(startMs, this._firstStartMs[m]!);
      if (user === 0) user = this._user[m]!;
      if (this._firstToolStartMs[m]! < toolStartMs || Number.isNaN(toolStartMs)) {
        toolStartMs = this._firstToolStartMs[m]!;
        toolEndMs = this._firstToolEndMs[m]!;
      }
    }
    this._firstStartMs[into] = startMs;
    this._firstToolStartMs[into] = toolStartMs;
    this._firstToolEndMs[into] = toolEndMs;
    this._user[into] = user;
  }

  /** A new session, numbered in order of first sight. */
  private _add(): number {
    const session = this._count++;
    if (session === this._tracked.length) this._grow();
    this._firstToolStartMs[session] = NaN;
    this._firstToolEndMs[session] = NaN;
    return session;
  }

  /** Typed arrays 1.5× larger (not 2×: this is most of the rollup's memory that grows with the input). */
  private _grow(): void {
    const size = Math.ceil(this._tracked.length * 1.5);
    this._firstStartMs = grown(this._firstStartMs, new Float64Array(size));
    this._firstToolStartMs = grown(this._firstToolStartMs, new Float64Array(size));
    this._firstToolEndMs = grown(this._firstToolEndMs, new Float64Array(size));
    this._user = grown(this._user, new Int32Array(size));
    this._tracked = grown(this._tracked, new Uint8Array(size));
  }
}

const INITIAL = 1024;

/** `to` with `from` copied in; `from` released (release-arrays.ts). */
function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from as never);
  releaseArrays(from);
  return to;
}
