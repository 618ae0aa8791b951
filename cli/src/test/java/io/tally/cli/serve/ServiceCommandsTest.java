package io.tally.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.tally.cli.Main;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class ServiceCommandsTest {
    @Test
    void tallyHasServeLedgerAndServeProjector() {
        CommandLine serve = Main.commandLine().getSubcommands().get("serve");
        assertThat(serve.getSubcommands()).containsKeys("ledger", "projector");
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs("serve", "ledger", "--create-topics");
        assertThat(parsed.subcommand().subcommand().commandSpec().userObject()).isInstanceOf(ServeLedgerCommand.class);
    }

    @Command(name = "tally", subcommands = StackServe.class)
    static final class Tally implements Runnable {
        @Override
        public void run() {}
    }

    /** Stands for a {@code serve} that runs the whole local stack. */
    @Command(name = "serve")
    static final class StackServe implements Callable<Integer> {
        @CommandLine.Option(names = "--port")
        int port;

        @Override
        public Integer call() {
            return 0;
        }
    }

    @Test
    void anExistingServeCommandKeepsItsOwnBehaviourAndGainsTheServices() {
        CommandLine tally = ServiceCommands.install(new CommandLine(new Tally()));
        CommandLine serve = tally.getSubcommands().get("serve");
        assertThat(serve.getCommandSpec().userObject()).isInstanceOf(StackServe.class);
        assertThat(serve.getSubcommands()).containsKeys("ledger", "projector");
        assertThat(tally.parseArgs("serve", "--port", "1").subcommand().hasSubcommand()).isFalse();
    }

    @Test
    void onlyAServiceAloneLogsToStandardOutput() {
        assertThat(ServiceCommands.isServiceAlone(new String[] {"serve", "ledger"})).isTrue();
        assertThat(ServiceCommands.isServiceAlone(new String[] {"serve", "projector", "--create-topics"})).isTrue();
        assertThat(ServiceCommands.isServiceAlone(new String[] {"serve", "--port", "8080"})).isFalse();
        assertThat(ServiceCommands.isServiceAlone(new String[] {"demo"})).isFalse();
    }
}
