import java.util.Arrays;

import org.apache.beam.runners.flink.FlinkJobServerDriver;
import org.apache.beam.sdk.expansion.service.ExpansionServer;
import org.apache.beam.sdk.expansion.service.ExpansionService;

/**
 * Beam's Flink job server plus an expansion service for Beam's Java KafkaIO, in one JVM.
 *
 * The job server's own expansion service takes no options: it would expand KafkaIO into a
 * splittable DoFn in a Docker environment. This one expands it into Beam's primitive
 * unbounded Read, which the Flink runner executes natively (KafkaUnboundedSource, offsets
 * committed when a checkpoint completes), and runs the few Java transforms around it in an
 * EMBEDDED environment: the Java SDK harness inside this JVM, so no Docker and no
 * downloaded SDK container are needed.
 *
 * Run as a single-file source program:
 *   java -cp LIB/* NewsmonFlinkJobServer.java HOST EXPANSION_PORT JOB_SERVER_ARGS...
 */
public class NewsmonFlinkJobServer {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: NewsmonFlinkJobServer HOST EXPANSION_PORT JOB_SERVER_ARGS...");
            System.exit(2);
        }
        final String host = args[0];
        final int expansionPort = Integer.parseInt(args[1]);
        final ExpansionService expansion = new ExpansionService(new String[] {
            "--defaultEnvironmentType=EMBEDDED",
            "--experiments=use_deprecated_read",
        });
        final ExpansionServer server = ExpansionServer.create(expansion, host, expansionPort);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                // The JVM is stopping anyway.
            }
        }));
        FlinkJobServerDriver.main(Arrays.copyOfRange(args, 2, args.length));
    }
}
