// The simplest server that acknowledges an event only once it is durable (issue #2's ack baseline,
// run by bench/ingest.ts as a child process, as the daemon is): one Unix socket, and for each chunk read,
// its lines inserted as blobs in one SQLite transaction (WAL, synchronous=FULL: the log fsync'd at the
// commit, on this thread), then an ack line each. No validation, encryption, indexes, workers or
// pipelining: what is left is the socket, one commit and the disk, as the same client sees them.
// `node bench/durable-ack-server.ts DIR` prints the socket's path, and stops on SIGTERM.
import BetterSqlite3 from 'better-sqlite3';
import net from 'node:net';
import path from 'node:path';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: node bench/durable-ack-server.ts DIR');
const db = new BetterSqlite3(path.join(dir, 'acks.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, line BLOB)');
const insert = db.prepare('INSERT INTO events (line) VALUES (?)');
const commit = db.transaction((lines: readonly string[]) => {
  for (const line of lines) insert.run(Buffer.from(line));
});

const hello = (line: string): boolean => line.startsWith('{"type":"hello"');

const server = net.createServer((socket) => {
  let tail = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = (tail + chunk).split('\n');
    tail = lines.pop() ?? '';
    commit(lines.filter((line) => !hello(line)));
    socket.write(lines.map((line) => (hello(line) ? '{"type":"hello"}\n' : '{"type":"ack"}\n')).join(''));
  });
});
const socketPath = path.join(dir, 'acks.sock');
server.listen(socketPath, () => {
  process.stdout.write(`${socketPath}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  db.close();
  process.exit(0);
});
