// The OpenTelemetry SDK listens process-wide: one test class at a time keeps each test's spans and measurements its own.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
