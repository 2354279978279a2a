-- The history's statement (persistence/history.ts) is planned once per connection for no customer in
-- particular, with PostgreSQL's estimate of how many run logs a customer has: the table's rows over its
-- distinct customers. With few customers and many runs (40 and 50,000 in bench/history.ts) that estimate makes
-- walking every run log newest first look cheaper than the customer's index, and a customer with three old
-- runs, or none, then costs a walk of the whole table: 15-16 ms at 50,000 runs, growing with them. The
-- customer's index is never worse than a few entries for any customer, so the estimate is pinned to what a
-- deployment has, about one customer per twenty run logs (the ratio scales with the table), and the statistics
-- are read again now.
ALTER TABLE workflow_run_log ALTER COLUMN customer_id SET (n_distinct = -0.05);
ANALYZE workflow_run_log;
