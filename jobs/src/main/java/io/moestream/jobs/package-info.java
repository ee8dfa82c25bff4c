/**
 * The product's entry points, and nothing else: {@link io.moestream.jobs.MoeCli} (the {@code moe}
 * command line, the runnable jar's main class) and {@link io.moestream.jobs.ClusterMain} (the entry
 * class for {@code flink run} and the REST API, which must not call {@code System.exit}). They only
 * wire the subcommands of the packages below and turn every failure into one {@code error:} line
 * and an exit code. This package may import every {@code io.moestream.jobs} package; nothing in
 * {@code operators/}, {@code state/} or {@code schemas/} may import any of them.
 */
package io.moestream.jobs;
