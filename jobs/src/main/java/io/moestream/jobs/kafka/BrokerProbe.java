package io.moestream.jobs.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Collection;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;

/**
 * Tells when a starting broker can serve clients.
 *
 * <p>Two stages, because each alone misleads: an open port only means the socket server is up (the
 * broker may still be fenced and refuse to create topics), while an admin client pointed at a
 * closed port retries and logs a warning per attempt. So the port is polled quietly first, then
 * {@code describeCluster} must list the broker, which happens once the controller has unfenced it.
 */
final class BrokerProbe {
  private BrokerProbe() {}

  /** Whether something accepts TCP connections on {@code host:port}. */
  static boolean accepts(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 250);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether the cluster at {@code bootstrapServers} lists at least one live broker. */
  static boolean hasLiveBroker(String bootstrapServers, Duration timeout) {
    Properties p = new Properties();
    p.setProperty("bootstrap.servers", bootstrapServers);
    p.setProperty("request.timeout.ms", Long.toString(timeout.toMillis()));
    p.setProperty("default.api.timeout.ms", Long.toString(timeout.toMillis()));
    Admin admin = Admin.create(p);
    try {
      Collection<Node> nodes =
          admin
              .describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
              .nodes()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return !nodes.isEmpty();
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      admin.close(Duration.ofSeconds(2));
    }
  }
}
