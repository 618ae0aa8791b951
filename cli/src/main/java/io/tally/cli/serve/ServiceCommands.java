package io.tally.cli.serve;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Puts {@code ledger} and {@code projector} under {@code ./tally serve}, so that
 * {@code ./tally serve ledger|projector} runs one service alone, for a container or a host of its
 * own ({@link ServiceEnvironment}), while {@code ./tally serve} itself keeps the whole local stack up.
 * One jar with subcommands rather than a jar per service: the services share every library, and the
 * image is built once for the whole compose stack. The reconciler runs as
 * {@code ./tally reconcile --every}.
 *
 * <p>Installed on the command line rather than listed in an annotation so that it joins whichever
 * {@code serve} command the build has; where there is none, this class stands in for it.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run one tally service alone against an existing Kafka cluster and PostgreSQL.")
public final class ServiceCommands implements Runnable {
    /** Adds {@code serve ledger} and {@code serve projector} to {@code tally}; returns it. */
    public static CommandLine install(CommandLine tally) {
        CommandLine serve = tally.getSubcommands().get("serve");
        if (serve == null) {
            tally.addSubcommand(new ServiceCommands());
            serve = tally.getSubcommands().get("serve");
        }
        serve.addSubcommand(new ServeLedgerCommand());
        serve.addSubcommand(new ServeProjectorCommand());
        return tally;
    }

    /** Whether {@code args} run one service alone ({@code serve ledger ...}, {@code serve projector ...}). */
    public static boolean isServiceAlone(String[] args) {
        return args.length > 1 && args[0].equals("serve") && (args[1].equals("ledger") || args[1].equals("projector"));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
