package io.moestream.jobs.stream;

import java.lang.reflect.Field;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;

/**
 * Where the web UI (and REST API) of a started job is, for the line {@code train} prints when the
 * job starts.
 *
 * <p>The embedded MiniCluster binds {@code rest.port=0}, any free port, so the configuration does
 * not know the port: only the running cluster does. Flink's {@link MiniClusterJobClient} holds that
 * cluster but does not expose it, so it is read from the client's field; should a Flink upgrade
 * rename the field, the line says the address is not known rather than failing the job (and {@code
 * TrainStartITCase} fails, so the upgrade notices). Submitted with {@code flink run}, the client's
 * configuration holds the cluster's {@code rest.address} and {@code rest.port}, which is where its
 * web UI is.
 */
final class WebUiAddress {
  private static final long WAIT_MS = 5_000;

  private WebUiAddress() {}

  /** The web UI's URL, or empty when neither the cluster nor the configuration tells it. */
  static Optional<String> of(JobClient client, ReadableConfig conf) {
    if (client instanceof MiniClusterJobClient) {
      return miniCluster(client).flatMap(WebUiAddress::restAddress);
    }
    String address = conf.get(RestOptions.ADDRESS);
    int port = conf.get(RestOptions.PORT);
    if (address == null || address.isBlank() || port == 0) {
      return Optional.empty();
    }
    return Optional.of("http://" + address + ":" + port);
  }

  private static Optional<MiniCluster> miniCluster(JobClient client) {
    try {
      Field f = MiniClusterJobClient.class.getDeclaredField("miniCluster");
      f.setAccessible(true);
      return Optional.ofNullable((MiniCluster) f.get(client));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> restAddress(MiniCluster cluster) {
    try {
      CompletableFuture<URI> uri = cluster.getRestAddress();
      String s = uri.get(WAIT_MS, TimeUnit.MILLISECONDS).toString();
      return Optional.of(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** The line printed when a job starts: its web UI (when known) and its job id. */
  static String startedLine(JobClient client, ReadableConfig conf) {
    return of(client, conf)
        .map(url -> "Flink web UI: " + url + "  (job " + client.getJobID() + ")")
        .orElse(
            "job "
                + client.getJobID()
                + " started (web UI: the cluster's REST address, not known to this client)");
  }
}
