// Mutation check for the core's rule tests: each mutant breaks one rule in a throw-away copy
// of the compiled core (never in the source tree) and names the test file that must then fail.
// Usage (after `npx tsc -p tsconfig.json`): node src/raft/testing/mutants.mjs [name-filter]
// Prints one line per mutant: KILLED (test failed, good), SURVIVED (bad) or STALE (pattern gone).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

/** [name, file under dist/src/raft, find, replace, test files (under dist/src/raft), test name pattern?] */
export const MUTANTS = [
  // §5.1
  ['5.1 higher term not adopted', 'raft.js', '            else {\n                this.becomeFollower(m.term, NONE);\n            }', '            else { }', ['election.test.js'], '§5.1 higher term'],
  ['5.1 stale message processed', 'raft.js', "                this.send(this.msg(MessageType.MsgPreVoteResp, m.from, { reject: true }));\n            }\n            return;", "                this.send(this.msg(MessageType.MsgPreVoteResp, m.from, { reject: true }));\n            }\n", ['election.test.js'], '§5.1 stale|§5.2 votes from an older'],
  // §5.2
  ['5.2 majority = ceil(n/2)', 'quorum.js', 'Math.floor(voterCount / 2) + 1', 'Math.ceil(voterCount / 2)', ['election.test.js'], '§5.2 a candidate wins'],
  ['5.2 majority = all', 'quorum.js', 'Math.floor(voterCount / 2) + 1', 'voterCount', ['election.test.js'], '§5.2 a candidate wins'],
  ['5.2 vote twice per term', 'raft.js', '(this.vote === NONE && this.leaderId === NONE)', 'true', ['election.test.js'], '§5.2 at most one vote'],
  ['5.2 vote resp before persist', 'raft.js', 'const SEND_BEFORE_PERSIST = new Set([', 'const SEND_BEFORE_PERSIST = new Set([MessageType.MsgVoteResp, ', ['election.test.js'], '§5.2 the vote is durable'],
  ['5.2 vote not restored', 'raft.js', 'this.vote = restored.hardState.vote;', '', ['election.test.js'], '§5.2 at most one vote'],
  ['5.2 timeout not randomized', 'raft.js', 'this.cfg.electionTicks + this.cfg.random(this.cfg.electionTicks)', 'this.cfg.electionTicks', ['election.test.js'], '§5.2 randomized'],
  // §5.4.1
  ['5.4.1 ignore last term', 'log.js', 'return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());', 'return lastIndex >= this.lastIndex();', ['election.test.js'], '§5.4.1'],
  ['5.4.1 ignore length', 'log.js', 'return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());', 'return lastTerm >= myTerm;', ['election.test.js'], '§5.4.1'],
  ['5.1 stale leader not answered', 'raft.js', 'this.send(this.msg(MessageType.MsgAppResp, m.from));', '', ['election.test.js'], '§5.1 stale'],
  // §5.3 and follower commit
  ['5.3 prev term not checked', 'log.js', 'if (!this.matchTerm(prevIndex, prevTerm))', 'if (this.term(prevIndex) === undefined)', ['replication.test.js'], 'consistency check'],
  ['5.3 conflicts not replaced', 'log.js', 'if (!this.matchTerm(e.index, e.term))', 'if (this.term(e.index) === undefined)', ['replication.test.js'], 'conflicting suffix'],
  ['5.3 duplicate MsgApp truncates', 'log.js', 'const conflict = this.findConflict(entries);', 'const conflict = entries.length > 0 ? entries[0].index : 0;', ['replication.test.js'], 'not truncated'],
  ['follower commit beyond verified', 'log.js', 'this.commitTo(Math.min(leaderCommit, lastNew));', 'this.commitTo(Math.min(leaderCommit, this.lastIndex()));', ['replication.test.js'], 'follower commit'],
  ['heartbeat commit = leader commit', 'raft.js', 'const commit = Math.min(pr.match, this.log.committed);', 'const commit = this.log.committed;', ['replication.test.js'], 'heartbeat commit'],
  ['no fast back-tracking', 'raft.js', 'if (pr.maybeDecrTo(m.index, hint)) {', 'if (pr.maybeDecrTo(m.index, m.index - 1)) {', ['replication.test.js'], 'fast back-tracking'],
  // pipelining
  ['inflight window unbounded', 'progress.js', 'return this.lastIndexes.length >= this.maxMsgs || (this.maxBytes > 0 && this.bytes >= this.maxBytes);', 'return false;', ['replication.test.js'], 'maxInflightMsgs'],
  ['maxMsgBytes ignored', 'log.js', 'if (out.length > 0 && bytes > maxBytes)', 'if (false)', ['replication.test.js'], 'maxMsgBytes'],
  ['broadcast per proposal', 'raft.js', '        this.pendingBroadcast = true;\n        return { ok: true', '        this.bcastAppend();\n        return { ok: true', ['replication.test.js'], 'burst'],
  // §5.4.2
  ['5.4.2 commit earlier-term entries by counting', 'raft.js', 'if (this.log.term(ci) !== this.term)', 'if (false)', ['commit.test.js'], 'Figure 8'],
  ['no no-op on election', 'raft.js', 'this.appendEntry(new Uint8Array(0));', '', ['commit.test.js'], 'no-op'],
  // durability
  ['MsgAppResp before persist', 'raft.js', 'const SEND_BEFORE_PERSIST = new Set([', 'const SEND_BEFORE_PERSIST = new Set([MessageType.MsgAppResp, ', ['durability.test.js'], 'only in messagesAfterPersist'],
  ['MsgVote before persist', 'raft.js', 'const SEND_BEFORE_PERSIST = new Set([', 'const SEND_BEFORE_PERSIST = new Set([MessageType.MsgVote, ', ['durability.test.js'], 'only in messagesAfterPersist'],
  ['MsgVoteResp before persist', 'raft.js', 'const SEND_BEFORE_PERSIST = new Set([', 'const SEND_BEFORE_PERSIST = new Set([MessageType.MsgVoteResp, ', ['durability.test.js'], 'only in messagesAfterPersist'],
  ['leader self-ack before advance', 'raft.js', 'const e = this.appendEntry(data);', 'const e = this.appendEntry(data); this.progress.get(this.id).maybeUpdate(e.index);', ['durability.test.js'], 'counts itself'],
  ['taken committed entries handed out again', 'raw-node.js', '        log.applying = this.taken;', '', ['durability.test.js'], 'takeCommitted'],
  ['taken committed entries never counted applied', 'raw-node.js', '        if (this.taken > log.applied)', '        if (false)', ['durability.test.js'], 'takeCommitted'],
  ['taken entries not yet handed out to be written', 'log.js', '        const upTo = Math.min(this.committed, this.unstableFrom - 1);', '        const upTo = this.committed;', ['durability.test.js'], 'holds back'],
  ['pre-vote retried only after a whole timeout', 'raft.js', 'const due = this.role === Role.PreCandidate ?', 'const due = false ?', ['prevote.test.js'], 'asked again within a heartbeat'],
  // pre-vote, check-quorum, lease
  ['9.6 no pre-vote', 'raft.js', 'if (this.cfg.preVote && !transfer) {', 'if (false) {', ['prevote.test.js'], '9.6'],
  ['6.2 no check-quorum', 'raft.js', 'if (this.cfg.checkQuorum && !this.quorumActive()) {', 'if (false) {', ['prevote.test.js'], '6.2'],
  ['4.2.3 no lease', 'raft.js', 'if (!transfer && inLease)', 'if (false)', ['prevote.test.js'], '4.2.3'],
  // ReadIndex
  ['6.4 read before term commit', 'raft.js', 'this.readOnly.add(read, this.termCommitted());', 'this.readOnly.add(read, true);', ['read-index.test.js'], 'own term'],
  ['6.4 read quorum of 1', 'quorum.js', 'return n >= majority(voters.length);', 'return n >= 1;', ['read-index.test.js'], 'heartbeat quorum'],
  ['6.4 one round per read', 'raft.js', '        if (this.readOnly.hasQueued())\n            this.pendingBroadcast = true;\n    }\n    releaseRead', '        if (this.readOnly.hasQueued()) {\n            this.pendingBroadcast = true; this.flush(); }\n    }\n    releaseRead', ['read-index.test.js'], 'ONE heartbeat'],
  ['6.4 follower drops ReadIndexResp', 'raft.js', 'this.readStates.push({ index: m.index, context: m.context });', '', ['read-index.test.js'], 'follower'],
  ['6.4 local read without confirmation', 'raft.js', 'this.readOnly.add(read, this.termCommitted());', 'if (this.termCommitted()) { this.releaseRead(read.from, read.context, this.log.committed); return; } this.readOnly.add(read, false);', ['read-index.test.js'], 'partitioned'],
  // transfer
  ['3.10 TimeoutNow before caught up', 'raft.js', 'if (pr.match === this.log.lastIndex())\n            this.send', 'if (true)\n            this.send', ['transfer.test.js'], 'caught up'],
  ['3.10 target uses pre-vote', 'raft.js', 'this.campaign(true);', 'this.campaign();', ['transfer.test.js'], 'without pre-vote'],
  ['3.10 proposals during transfer', 'raft.js', "if (this.leadTransferee !== NONE)\n            return { ok: false, reason: 'transferring', leaderId: this.leaderId };", '', ['transfer.test.js'], 'refused'],
  ['3.10 transfer never abandoned', 'raft.js', '            this.leadTransferee = NONE;\n        }', '        }', ['transfer.test.js'], 'abandoned'],
  // snapshots
  ['snapshot commit not moved', 'log.js', 'this.committed = snapshot.meta.index;', '', ['snapshot.test.js'], 'MsgSnap'],
  ['restart forgets commit', 'log.js', 'this.committed = Math.max(committed, this.snapIndex);', 'this.committed = this.snapIndex;', ['snapshot.test.js'], 'restarted'],
  ['lost MsgSnap not retried', 'raft.js', '> 2 * this.cfg.electionTicks)\n                pr.becomeProbe();', '> 2 * this.cfg.electionTicks)\n                { }', ['snapshot.test.js'], 'lost'],
  // quorum.ts
  ['quorum: majority ceil', 'quorum.js', 'Math.floor(voterCount / 2) + 1', 'Math.ceil(voterCount / 2)', ['quorum.test.js']],
  ['quorum: ascending sort', 'quorum.js', '.sort((a, b) => b - a)', '.sort((a, b) => a - b)', ['quorum.test.js']],
  ['quorum: pending off by one', 'quorum.js', 'if (granted + missing >= q)', 'if (granted + missing > q)', ['quorum.test.js']],
  ['quorum: non-voters counted', 'quorum.js', 'const matches = voters.map((id) => matchOf(id) ?? 0)', 'const matches = [...voters, "outsider"].map((id) => matchOf(id) ?? 0)', ['quorum.test.js']],
  // golden scripts notice protocol changes too
  ['golden: no no-op', 'raft.js', 'this.appendEntry(new Uint8Array(0));', '', ['interaction.test.js']],
  ['golden: heartbeat commit', 'raft.js', 'const commit = Math.min(pr.match, this.log.committed);', 'const commit = this.log.committed;', ['interaction.test.js']],
];

const root = resolve(new URL('../../..', import.meta.url).pathname);
const filter = process.argv[2] ?? '';
const work = mkdtempSync(join(tmpdir(), 'raft-mutants-'));
try {
  const distRaft = join(work, 'dist/src/raft');
  mkdirSync(join(work, 'src/raft'), { recursive: true });
  cpSync(join(root, 'dist/src/raft'), distRaft, { recursive: true });
  symlinkSync(join(root, 'src/raft/testdata'), join(work, 'src/raft/testdata'));
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
  writeFileSync(join(work, 'package.json'), readFileSync(join(root, 'package.json')));
  let bad = 0;
  for (const [name, file, find, replace, tests, pattern] of MUTANTS) {
    if (!name.includes(filter)) continue;
    const path = join(distRaft, file);
    const original = readFileSync(path, 'utf8');
    const count = original.split(find).length - 1;
    if (count !== 1) {
      console.log(`STALE    ${name}: pattern found ${count} times in ${file}`);
      bad++;
      continue;
    }
    writeFileSync(path, original.replace(find, replace));
    const args = ['--test', ...(pattern ? ['--test-name-pattern', pattern] : []), ...tests.map((t) => join(distRaft, t))];
    const r = spawnSync(process.execPath, args, { cwd: work, encoding: 'utf8', timeout: 60_000 });
    writeFileSync(path, original);
    const failed = (r.stdout.match(/^# fail (\d+)/m)?.[1] ?? '0') !== '0' || r.status !== 0;
    if (!failed) bad++;
    const failing = [...r.stdout.matchAll(/^not ok \d+ - (.*)$/gm)].map((x) => x[1]).join('; ');
    console.log(`${failed ? 'KILLED  ' : 'SURVIVED'} ${name}${failing ? `  <- ${failing}` : ''}`);
  }
  process.exitCode = bad === 0 ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
