import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Starts one real OpenSearch node in this JVM (codelibs OpenSearchRunner, which loads
 * the percolator, painless, analysis-common, mapper-extras and reindex modules from the
 * classpath) bound to loopback, and keeps it running until the JVM is stopped.
 *
 * Run as a single-file source program: java -cp LIB/* NewsmonOpenSearch HOME HTTP_PORT
 */
public class NewsmonOpenSearch {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: NewsmonOpenSearch HOME HTTP_PORT");
            System.exit(2);
        }
        final Path home = Paths.get(args[0]).toAbsolutePath();
        final int httpPort = Integer.parseInt(args[1]);
        Files.createDirectories(home);

        final OpenSearchRunner runner = new OpenSearchRunner();
        // The runner probes ports up to 9299 by default; we pin http.port ourselves.
        runner.setMaxHttpPort(65535);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                System.err.println("close failed: " + e);
            }
        }));
        runner.onBuild((index, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", String.valueOf(httpPort));
            settings.put("transport.port", String.valueOf(httpPort + 100));
            settings.put("discovery.type", "single-node");
            // A nearly full CI disk must not flip our indices to read-only.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
            settings.put("node.name", "newsmon-local");
        });
        runner.build(OpenSearchRunner.newConfigs()
                .basePath(home.toString())
                .numOfNode(1)
                .clusterName("newsmon-local")
                .baseHttpPort(httpPort - 1));
        runner.ensureYellow();
        System.out.println("NEWSMON_OPENSEARCH_READY http://127.0.0.1:" + httpPort);
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }
}
