package io.tally.cli.serve;

import picocli.CommandLine.Command;

/**
 * {@code ./tally serve ledger|projector}: one service alone, for a container or a host of its own,
 * configured by environment variables and a properties file ({@link ServiceEnvironment}). One jar
 * with subcommands rather than a jar per service: the services share every library, and the image
 * is built once for the whole compose stack. The reconciler runs as {@code ./tally reconcile --every}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run one tally service alone against an existing Kafka cluster and PostgreSQL.",
        subcommands = {ServeLedgerCommand.class, ServeProjectorCommand.class})
public final class ServeCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
