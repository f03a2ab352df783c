// Connection B for BUG-52: holds BEGIN IMMEDIATE on the database for argv[3] ms, then commits.
import Database from 'better-sqlite3';

const [path, ms] = [process.argv[2] ?? '', Number(process.argv[3] ?? 800)];
const db = new Database(path);
db.pragma('busy_timeout = 5000');
db.exec('BEGIN IMMEDIATE');
db.prepare("INSERT INTO meta(key, value) VALUES ('lock-holder', 'b') ON CONFLICT(key) DO UPDATE SET value = 'b'").run();
process.stdout.write('locked\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
db.exec('COMMIT');
db.close();
