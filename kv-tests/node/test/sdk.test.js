// The official Couchbase Node.js SDK (npm couchbase, built on the Couchbase C++ core) against a
// kv-frontend server that NodeSdkTest starts; run with `node --test` and these variables:
//   KV_HOST, KV_PORT, KV_MGMT_PORT  the server (plain ports)
//   KV_TLS_PORT, KV_CA              its TLS port and the PEM certificate to trust
//   KV_MODE                         spool or sync, for the test names only
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const couchbase = require('couchbase');

const host = process.env.KV_HOST || '127.0.0.1';
const port = process.env.KV_PORT;
const mgmt = process.env.KV_MGMT_PORT;
const mode = process.env.KV_MODE || 'unknown';
const connStr = `couchbase://${host}:${port}=kv,${host}:${mgmt}=manager`;
const timeouts = { connectTimeout: 10000, kvTimeout: 5000, kvScanTimeout: 30000, bootstrapTimeout: 10000 };
const admin = { username: 'Administrator', password: 'password', timeouts };

let cluster;
let collection;

before(async () => {
  assert.ok(port && mgmt, 'KV_PORT and KV_MGMT_PORT must be set');
  cluster = await couchbase.connect(connStr, admin);
  const bucket = cluster.bucket('default');
  await bucket.waitUntilReady(10000);
  collection = bucket.defaultCollection();
});

after(async () => {
  if (cluster) {
    await cluster.close();
  }
});

/** Rejects with an error of this class (the SDK's error types). */
async function rejectsWith(promise, type) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e && e.constructor.name}: ${e && e.message}`);
    return true;
  });
}

test(`[${mode}] a large document round-trips Snappy-compressed`, async () => {
  // The C++ core compresses values of 32 bytes and more once the server acks HELLO Snappy;
  // NodeSdkTest checks that the bucket holds node::snappy compressed.
  const doc = { text: 'a compressible sentence, '.repeat(200), n: 7 };
  await collection.upsert('node::snappy', doc);
  assert.deepEqual((await collection.get('node::snappy')).content, doc);
  await collection.upsert('node::snappy-bin', Buffer.from('b'.repeat(4000)));
  await collection.binary().append('node::snappy-bin', Buffer.from('!'));
  const bin = (await collection.get('node::snappy-bin', { transcoder: new couchbase.RawBinaryTranscoder() })).content;
  assert.equal(bin.toString(), 'b'.repeat(4000) + '!');
});

test(`[${mode}] upsert, get, insert, replace and remove`, async () => {
  const up = await collection.upsert('node::a', { n: 1, s: 'one' });
  assert.ok(up.cas, 'a mutation has a CAS');
  const got = await collection.get('node::a');
  assert.deepEqual(got.content, { n: 1, s: 'one' });
  assert.equal(String(got.cas), String(up.cas));

  await collection.insert('node::b', { fresh: true });
  await rejectsWith(collection.insert('node::b', { again: true }), couchbase.DocumentExistsError);

  const replaced = await collection.replace('node::b', { replaced: true }, { cas: (await collection.get('node::b')).cas });
  assert.ok(replaced.cas);
  assert.deepEqual((await collection.get('node::b')).content, { replaced: true });
  await rejectsWith(collection.replace('node::missing', { x: 1 }), couchbase.DocumentNotFoundError);

  await collection.remove('node::b');
  await rejectsWith(collection.get('node::b'), couchbase.DocumentNotFoundError);
  await rejectsWith(collection.remove('node::b'), couchbase.DocumentNotFoundError);
});

test(`[${mode}] a stale CAS is a CasMismatchError`, async () => {
  const first = await collection.upsert('node::cas', { v: 1 });
  await collection.upsert('node::cas', { v: 2 });
  await rejectsWith(collection.replace('node::cas', { v: 3 }, { cas: first.cas }), couchbase.CasMismatchError);
  assert.deepEqual((await collection.get('node::cas')).content, { v: 2 });
});

test(`[${mode}] replica reads of a bucket without replicas read the active copy`, async () => {
  const up = await collection.upsert('node::replica', { r: 1 });
  const any = await collection.getAnyReplica('node::replica');
  assert.deepEqual(any.content, { r: 1 });
  assert.equal(String(any.cas), String(up.cas));
  assert.equal(any.isReplica, false);
  const all = await collection.getAllReplicas('node::replica');
  assert.equal(all.length, 1);
  assert.deepEqual(all[0].content, { r: 1 });
  await rejectsWith(collection.getAnyReplica('node::replica-missing'), couchbase.DocumentUnretrievableError);
});

test(`[${mode}] bucket manager: get, get all, create, flush, drop`, async () => {
  const mgr = cluster.buckets();
  const d = await mgr.getBucket('default');
  assert.equal(d.name, 'default');
  assert.equal(d.ramQuotaMB, 256);
  assert.equal(d.flushEnabled, true);
  assert.equal(d.numReplicas, 0);
  assert.ok((await mgr.getAllBuckets()).some((b) => b.name === 'default'));

  await mgr.createBucket({ name: 'node-managed', ramQuotaMB: 100, flushEnabled: true });
  await rejectsWith(mgr.createBucket({ name: 'node-managed', ramQuotaMB: 100 }), couchbase.BucketExistsError);
  assert.equal((await mgr.getBucket('node-managed')).ramQuotaMB, 100);
  const settings = await mgr.getBucket('node-managed');
  settings.ramQuotaMB = 128;
  await mgr.updateBucket(settings);
  assert.equal((await mgr.getBucket('node-managed')).ramQuotaMB, 128);
  await mgr.flushBucket('node-managed');
  await mgr.createBucket({ name: 'node-no-flush', ramQuotaMB: 100 });
  await rejectsWith(mgr.flushBucket('node-no-flush'), couchbase.BucketNotFlushableError);
  await mgr.dropBucket('node-no-flush');
  await mgr.dropBucket('node-managed');
  await rejectsWith(mgr.getBucket('node-managed'), couchbase.BucketNotFoundError);
  await rejectsWith(mgr.dropBucket('node-managed'), couchbase.BucketNotFoundError);
});

test(`[${mode}] collection manager: scopes and collections made at runtime serve at once`, async () => {
  const mgr = cluster.bucket('default').collections();
  await mgr.createScope('node-rt');
  await mgr.createCollection('c1', 'node-rt');
  await rejectsWith(mgr.createScope('node-rt'), couchbase.ScopeExistsError);
  await rejectsWith(mgr.createCollection('c1', 'node-rt'), couchbase.CollectionExistsError);
  await rejectsWith(mgr.createCollection('c1', 'node-missing'), couchbase.ScopeNotFoundError);
  const scopes = await mgr.getAllScopes();
  const rt = scopes.find((sc) => sc.name === 'node-rt');
  assert.deepEqual(rt.collections.map((c) => c.name), ['c1']);
  const c1 = cluster.bucket('default').scope('node-rt').collection('c1');
  await c1.upsert('k', { in: 'c1' });
  assert.deepEqual((await c1.get('k')).content, { in: 'c1' });
  await mgr.dropCollection('c1', 'node-rt');
  await rejectsWith(mgr.dropCollection('c1', 'node-rt'), couchbase.CollectionNotFoundError);
  await mgr.dropScope('node-rt');
  await rejectsWith(mgr.dropScope('node-rt'), couchbase.ScopeNotFoundError);
});

test(`[${mode}] user manager: a user made at run time logs in, then is dropped`, async () => {
  const mgr = cluster.users();
  await mgr.upsertUser({ username: 'node-user', password: 'node-pw-1', displayName: 'Node',
    roles: [{ name: 'bucket_full_access', bucket: 'default' }] });
  const got = await mgr.getUser('node-user');
  assert.equal(got.username, 'node-user');
  assert.equal(got.displayName, 'Node');
  assert.deepEqual(got.roles.map((r) => [r.name, r.bucket]), [['bucket_full_access', 'default']]);
  assert.ok((await mgr.getAllUsers()).some((u) => u.username === 'node-user'));
  const as = await couchbase.connect(connStr, { username: 'node-user', password: 'node-pw-1', timeouts });
  try {
    const b = as.bucket('default');
    await b.waitUntilReady(10000);
    await b.defaultCollection().upsert('node::by-user', { ok: true });
  } finally {
    await as.close();
  }
  await mgr.dropUser('node-user');
  await rejectsWith(mgr.getUser('node-user'), couchbase.UserNotFoundError);
  await rejectsWith(mgr.dropUser('node-user'), couchbase.UserNotFoundError);
});

test(`[${mode}] lookupIn: get, exists and count on paths`, async () => {
  const up = await collection.upsert('node::sub', { name: 'Ann', address: { city: 'Oslo' }, tags: ['a', 'b', 'c'] });
  const S = couchbase.LookupInSpec;
  const r = await collection.lookupIn('node::sub', [
    S.get('address.city'), S.exists('tags'), S.exists('nope'), S.count('tags'), S.get('tags[-1]'), S.get('nope'),
  ]);
  assert.equal(String(r.cas), String(up.cas));
  assert.equal(r.content[0].value, 'Oslo');
  assert.equal(r.content[1].value, true);
  assert.equal(r.content[2].value, false);
  assert.equal(r.content[3].value, 3);
  assert.equal(r.content[4].value, 'c');
  assert.ok(r.content[5].error instanceof couchbase.PathNotFoundError, `got ${r.content[5].error}`);
  await rejectsWith(collection.lookupIn('node::sub-missing', [S.get('a')]), couchbase.DocumentNotFoundError);
});

test(`[${mode}] mutateIn: every spec type, atomic on failure, xattrs and macros`, async () => {
  const up0 = await collection.upsert('node::mut', { name: 'Ann', n: 10, tags: ['a', 'b'], address: { city: 'Oslo' } });
  const M = couchbase.MutateInSpec;
  const S = couchbase.LookupInSpec;
  const r = await collection.mutateIn('node::mut', [
    M.upsert('meta.by', 'node', { xattr: true, createPath: true }),
    M.upsert('meta.cas', couchbase.MutateInMacro.Cas, { xattr: true, createPath: true }),
    M.upsert('name', 'Bea'),
    M.insert('age', 33),
    M.replace('address.city', 'Bergen'),
    M.remove('n'),
    M.arrayAppend('tags', 'c'),
    M.arrayPrepend('tags', 'z'),
    M.arrayInsert('tags[1]', 'y'),
    M.arrayAddUnique('tags', 'e'),
    M.increment('counter', 5),
    M.decrement('counter', 2),
  ]);
  assert.equal(r.content[10].value, 5);
  assert.equal(r.content[11].value, 3);
  const doc = (await collection.get('node::mut')).content;
  assert.deepEqual(doc, { name: 'Bea', tags: ['z', 'y', 'a', 'b', 'c', 'e'], address: { city: 'Bergen' }, age: 33, counter: 3 });
  const x = await collection.lookupIn('node::mut', [S.get('meta.by', { xattr: true }), S.get('$document.CAS', { xattr: true })]);
  assert.equal(x.content[0].value, 'node');
  assert.equal(BigInt(x.content[1].value), BigInt(String(r.cas)));
  // A failing spec changes nothing.
  await rejectsWith(collection.mutateIn('node::mut', [M.upsert('name', 'X'), M.insert('name', 'Y')]), couchbase.PathExistsError);
  assert.equal((await collection.get('node::mut')).content.name, 'Bea');
  await rejectsWith(collection.mutateIn('node::mut', [M.upsert('name', 'X')], { cas: up0.cas }), couchbase.CasMismatchError);
});

test(`[${mode}] get with expiry and a projection`, async () => {
  await collection.upsert('node::ttl', { a: 1, b: { c: 2, d: 3 } }, { expiry: 3600 });
  const got = await collection.get('node::ttl', { withExpiry: true });
  assert.ok(got.expiryTime instanceof Date || typeof got.expiryTime === 'number', `expiryTime ${got.expiryTime}`);
  const seconds = got.expiryTime instanceof Date ? got.expiryTime.getTime() / 1000 : got.expiryTime;
  assert.ok(Math.abs(seconds - (Date.now() / 1000 + 3600)) < 120, `expiry ${seconds}`);
  const projected = await collection.get('node::ttl', { project: ['b.c'] });
  assert.deepEqual(projected.content, { b: { c: 2 } });
});

test(`[${mode}] transactions: commit and rollback`, async () => {
  await collection.upsert('node::tx-a', { balance: 100 });
  await collection.upsert('node::tx-b', { balance: 0 });
  await collection.remove('node::tx-new').catch(() => {});
  await cluster.transactions().run(async (ctx) => {
    const a = await ctx.get(collection, 'node::tx-a');
    const b = await ctx.get(collection, 'node::tx-b');
    await ctx.replace(a, { balance: a.content.balance - 25 });
    await ctx.replace(b, { balance: b.content.balance + 25 });
    await ctx.insert(collection, 'node::tx-new', { made: true });
  });
  assert.equal((await collection.get('node::tx-a')).content.balance, 75);
  assert.equal((await collection.get('node::tx-b')).content.balance, 25);
  assert.deepEqual((await collection.get('node::tx-new')).content, { made: true });
  await assert.rejects(cluster.transactions().run(async (ctx) => {
    const a = await ctx.get(collection, 'node::tx-a');
    await ctx.replace(a, { balance: 0 });
    throw new Error('application failure');
  }));
  assert.equal((await collection.get('node::tx-a')).content.balance, 75);
});

test(`[${mode}] exists`, async () => {
  await collection.upsert('node::here', 'yes');
  assert.equal((await collection.exists('node::here')).exists, true);
  assert.equal((await collection.exists('node::not-here')).exists, false);
});

test(`[${mode}] touch and getAndTouch`, async () => {
  await collection.upsert('node::touch', { t: 1 });
  const touched = await collection.touch('node::touch', 60);
  assert.ok(touched.cas);
  const got = await collection.getAndTouch('node::touch', 120);
  assert.deepEqual(got.content, { t: 1 });
  await rejectsWith(collection.touch('node::touch-missing', 60), couchbase.DocumentNotFoundError);
});

test(`[${mode}] getAndLock, a locked document, unlock`, async () => {
  await collection.upsert('node::lock', { l: 1 });
  const locked = await collection.getAndLock('node::lock', 10);
  assert.deepEqual(locked.content, { l: 1 });
  // As with the Java SDK (and Couchbase Server), a writer to a locked document is retried until its
  // timeout, the retry reason naming the lock.
  await assert.rejects(collection.upsert('node::lock', { l: 2 }, { timeout: 1000 }), (e) => {
    assert.ok(e instanceof couchbase.TimeoutError, `${e && e.constructor.name}: ${e && e.message}`);
    assert.match(JSON.stringify(e.context), /locked/i);
    return true;
  });
  await collection.unlock('node::lock', locked.cas);
  await collection.upsert('node::lock', { l: 3 });
  assert.deepEqual((await collection.get('node::lock')).content, { l: 3 });
});

test(`[${mode}] binary: increment, decrement, append, prepend`, async () => {
  const binary = collection.binary();
  const created = await binary.increment('node::counter', 1, { initial: 10 });
  assert.equal(Number(created.value), 10);
  assert.equal(Number((await binary.increment('node::counter', 5)).value), 15);
  assert.equal(Number((await binary.decrement('node::counter', 3)).value), 12);
  await collection.upsert('node::text', Buffer.from('middle'), { transcoder: new couchbase.RawBinaryTranscoder() });
  await binary.append('node::text', Buffer.from('-end'));
  await binary.prepend('node::text', Buffer.from('start-'));
  const got = await collection.get('node::text', { transcoder: new couchbase.RawBinaryTranscoder() });
  assert.equal(got.content.toString(), 'start-middle-end');
});

test(`[${mode}] named collections`, async () => {
  const c = cluster.bucket('default').scope('s').collection('c');
  await c.upsert('node::in-c', { where: 's.c' });
  assert.deepEqual((await c.get('node::in-c')).content, { where: 's.c' });
  // The same key in the default collection is another document.
  await rejectsWith(collection.get('node::in-c'), couchbase.DocumentNotFoundError);
  const missing = cluster.bucket('default').scope('s').collection('no-such-collection');
  await assert.rejects(missing.get('x', { timeout: 2000 }));
});

test(`[${mode}] range, prefix and sampling scans`, async () => {
  const c = cluster.bucket('default').scope('s').collection('scan');
  const ids = [];
  for (let i = 0; i < 120; i++) {
    const id = `item::${String(i).padStart(3, '0')}`;
    ids.push(id);
    await c.upsert(id, { i });
  }
  await c.upsert('other::1', { other: true });

  const all = await c.scan(new couchbase.RangeScan());
  assert.equal(all.length, 121);
  const range = await c.scan(new couchbase.RangeScan(new couchbase.ScanTerm('item::010'),
    new couchbase.ScanTerm('item::019')));
  assert.deepEqual(range.map((r) => r.id).sort(), ids.slice(10, 20));
  assert.deepEqual(range.find((r) => r.id === 'item::015').content, { i: 15 });

  const prefix = await c.scan(new couchbase.PrefixScan('item::'), { idsOnly: true, batchItemLimit: 7 });
  assert.deepEqual(prefix.map((r) => r.id).sort(), ids);

  const sample = await c.scan(new couchbase.SamplingScan(25, 42));
  assert.equal(sample.length, 25);
  for (const r of sample) {
    assert.ok(r.id === 'other::1' || ids.includes(r.id), r.id);
  }
});

test(`[${mode}] a missing key is a DocumentNotFoundError`, async () => {
  await rejectsWith(collection.get('node::never-written'), couchbase.DocumentNotFoundError);
});

test(`[${mode}] a wrong password is an AuthenticationFailureError`, async () => {
  await rejectsWith(couchbase.connect(connStr, { username: 'Administrator', password: 'wrong', timeouts }),
    couchbase.AuthenticationFailureError);
});

test(`[${mode}] an unknown bucket cannot be opened`, async () => {
  const other = cluster.bucket('no-such-bucket');
  await assert.rejects(other.defaultCollection().get('x', { timeout: 2000 }), (e) => {
    assert.ok(e instanceof couchbase.BucketNotFoundError || e instanceof couchbase.TimeoutError
      || e instanceof couchbase.CouchbaseError, `${e && e.constructor.name}`);
    return true;
  });
});

test(`[${mode}] TLS: couchbases:// with the development certificate`, async () => {
  assert.ok(process.env.KV_TLS_PORT && process.env.KV_CA, 'KV_TLS_PORT and KV_CA must be set');
  const tls = await couchbase.connect(`couchbases://${host}:${process.env.KV_TLS_PORT}`,
    { ...admin, security: { trustStorePath: process.env.KV_CA } });
  try {
    const c = tls.bucket('default').defaultCollection();
    await c.upsert('node::tls', { secure: true });
    assert.deepEqual((await c.get('node::tls')).content, { secure: true });
  } finally {
    await tls.close();
  }
});
