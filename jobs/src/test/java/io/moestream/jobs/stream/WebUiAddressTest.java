package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

/**
 * The started line of a job submitted to a cluster ({@code flink run}, REST), where the client's
 * configuration is all that tells the web UI's address. The embedded cluster's line, with the port
 * it bound, is {@code TrainStartITCase}'s.
 */
class WebUiAddressTest {
  private static final JobID JOB = JobID.fromHexString("0123456789abcdef0123456789abcdef");

  /** A cluster's job client as far as the line reads it: its job id. */
  private static JobClient clusterClient() {
    return (JobClient)
        Proxy.newProxyInstance(
            JobClient.class.getClassLoader(),
            new Class<?>[] {JobClient.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getJobID")) {
                return JOB;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  @Test
  void aClusterJobNamesTheClustersRestAddress() {
    Configuration conf =
        Configuration.fromMap(Map.of("rest.address", "jobmanager", "rest.port", "8081"));
    assertThat(WebUiAddress.startedLine(clusterClient(), conf))
        .isEqualTo("Flink web UI: http://jobmanager:8081  (job " + JOB + ")");
  }

  @Test
  void withoutAnAddressTheLineGivesTheJobIdAlone() {
    assertThat(WebUiAddress.startedLine(clusterClient(), new Configuration()))
        .isEqualTo(
            "job "
                + JOB
                + " started (web UI: the cluster's REST address, not known to this client)");
    Configuration anyPort = Configuration.fromMap(Map.of("rest.address", "h", "rest.port", "0"));
    assertThat(WebUiAddress.startedLine(clusterClient(), anyPort)).startsWith("job " + JOB);
  }
}
