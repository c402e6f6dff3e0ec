-- bench http's PostgreSQL floor: one pgbench transaction is what a minimal ledger writes for a batch of 8
-- HTTP requests (4 reserves of new reservations + 4 commits of the previous transaction's four), set-based,
-- in one transaction: read the idempotency keys, lock the reservations then the stock rows in (store, SKU)
-- order, update stock, insert reservations and holds, mark the committed ones, drop their holds, record the
-- 8 idempotency answers. Against the tables of src/adapters/store/postgres.ts (LEDGER_SCHEMA), in a
-- throwaway schema with SKUs sku-0 … sku-99 of store DS1 stocked. No JSON functions, no compare-and-set
-- retries: the cheapest the database's side of the workload can be.
--
--   pgbench -n -M prepared -c 2 -j 1 -T 10 -D base=0 -f bench/pg-floor.sql <url>
--   (with PGOPTIONS="-c search_path=<schema>"; ids are client_id × 10^8 + a counter: int4 up to 21 clients)
\set base :base + 4
\set b :client_id * 100000000 + :base
\set s random(0, 95)
BEGIN;
SELECT * FROM ledger_idempotency WHERE key = ANY(ARRAY['k'||:b, 'k'||(:b+1), 'k'||(:b+2), 'k'||(:b+3), 'c'||(:b-4), 'c'||(:b-3), 'c'||(:b-2), 'c'||(:b-1)]);
SELECT * FROM ledger_reservation WHERE id = ANY(ARRAY[:b-4, :b-3, :b-2, :b-1]::bigint[]) ORDER BY id FOR UPDATE;
SELECT * FROM ledger_stock WHERE store_id = 'DS1' AND sku = ANY(ARRAY['sku-'||:s, 'sku-'||(:s+1), 'sku-'||(:s+2), 'sku-'||(:s+3), 'sku-'||(:s+4)]) ORDER BY store_id, sku FOR UPDATE;
UPDATE ledger_stock t SET available = t.available - v.q, reserved = t.reserved + v.q - v.c, version = t.version + 1
  FROM (VALUES ('sku-'||:s, 2, 1), ('sku-'||(:s+1), 2, 1), ('sku-'||(:s+2), 1, 2), ('sku-'||(:s+3), 1, 2), ('sku-'||(:s+4), 1, 1)) v(sku, q, c)
  WHERE t.store_id = 'DS1' AND t.sku = v.sku;
INSERT INTO ledger_reservation VALUES
  (:b, 'k'||:b, 'DS1', 'hard', '[{"sku":"sku-1","qty":1},{"sku":"sku-38","qty":1}]', null, 1765000000000, 1765000000000, 1765000600000, 1, 1),
  (:b+1, 'k'||(:b+1), 'DS1', 'hard', '[{"sku":"sku-1","qty":1},{"sku":"sku-38","qty":1}]', null, 1765000000000, 1765000000000, 1765000600000, 1, 1),
  (:b+2, 'k'||(:b+2), 'DS1', 'hard', '[{"sku":"sku-1","qty":1}]', null, 1765000000000, 1765000000000, 1765000600000, 1, 1),
  (:b+3, 'k'||(:b+3), 'DS1', 'hard', '[{"sku":"sku-1","qty":1},{"sku":"sku-38","qty":1}]', null, 1765000000000, 1765000000000, 1765000600000, 1, 1);
INSERT INTO ledger_hold VALUES ('DS1','sku-'||:s,:b),('DS1','sku-'||(:s+1),:b),('DS1','sku-'||:s,:b+1),('DS1','sku-'||(:s+2),:b+1),('DS1','sku-'||:s,:b+2),('DS1','sku-'||:s,:b+3),('DS1','sku-'||(:s+3),:b+3);
UPDATE ledger_reservation t SET status = 'committed', committed = '[{"sku":"sku-1","qty":1}]', updated_at_ms = 1765000001000, expires_at_ms = null, version = t.version + 1, live = 0
  WHERE id = ANY(ARRAY[:b-4, :b-3, :b-2, :b-1]::bigint[]);
DELETE FROM ledger_hold WHERE reservation_id = ANY(ARRAY[:b-4, :b-3, :b-2, :b-1]::bigint[]);
INSERT INTO ledger_idempotency VALUES
  ('k'||:b, 1, 2, 1765000000000, '{"status":200,"body":{"key":"k1","status":"hard","storeId":"DS1","lines":[{"sku":"sku-1","qty":1}],"expiresAtMs":1765000600000,"version":1}}'),
  ('k'||(:b+1), 1, 2, 1765000000000, '{"status":200,"body":{"key":"k1","status":"hard","storeId":"DS1","lines":[{"sku":"sku-1","qty":1}],"expiresAtMs":1765000600000,"version":1}}'),
  ('k'||(:b+2), 1, 2, 1765000000000, '{"status":200,"body":{"key":"k1","status":"hard","storeId":"DS1","lines":[{"sku":"sku-1","qty":1}],"expiresAtMs":1765000600000,"version":1}}'),
  ('k'||(:b+3), 1, 2, 1765000000000, '{"status":200,"body":{"key":"k1","status":"hard","storeId":"DS1","lines":[{"sku":"sku-1","qty":1}],"expiresAtMs":1765000600000,"version":1}}'),
  ('c'||(:b-4), 1, 2, 1765000000000, '{"status":200,"body":{"key":"k1","status":"committed","storeId":"DS1","lines":[{"sku":"sku-1","qty":1}],"version":2}}'),
  ('c'||(:b-3), 1, 2, 1765000000000, '{"status":200,"body":{"key":"k1","status":"committed","storeId":"DS1","lines":[{"sku":"sku-1","qty":1}],"version":2}}'),
  ('c'||(:b-2), 1, 2, 1765000000000, '{"status":200,"body":{"key":"k1","status":"committed","storeId":"DS1","lines":[{"sku":"sku-1","qty":1}],"version":2}}'),
  ('c'||(:b-1), 1, 2, 1765000000000, '{"status":200,"body":{"key":"k1","status":"committed","storeId":"DS1","lines":[{"sku":"sku-1","qty":1}],"version":2}}')
  ON CONFLICT DO NOTHING;
COMMIT;
