package io.tally.cli;

import io.tally.cli.bench.BenchCommand;
import io.tally.cli.check.CheckCommand;
import io.tally.cli.cluster.ClusterCommand;
import io.tally.cli.demo.DemoCommand;
import io.tally.cli.reconcile.ReconcileCommand;
import io.tally.cli.rebuild.RebuildCommand;
import picocli.CommandLine.Command;

/** The {@code tally} command and its subcommands. */
@Command(name = "tally", mixinStandardHelpOptions = true, version = "tally 0.1.0",
        description = "An event-sourced ledger on Apache Kafka: decide, append, project, reconcile.",
        subcommands = {DemoCommand.class, ServeCommand.class, ReconcileCommand.class, RebuildCommand.class,
                BenchCommand.class, ClusterCommand.class, CheckCommand.class})
public final class TallyCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
