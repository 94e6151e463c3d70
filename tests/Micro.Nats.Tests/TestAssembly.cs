// Tests here measure timings (TTL expiry, failover, deadlines) against shared real servers and
// processes: running test classes one at a time keeps one class's load from failing another's timing.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
