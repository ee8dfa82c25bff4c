package io.moestream.jobs.local;

/**
 * Loss bookkeeping for one corpus domain of a run. Both the whole-domain mean and the last-20 mean
 * are kept because their gap is the point of a drift run: a model that adapts ends a domain well
 * below the loss it started it with.
 */
final class DomainStats {
  private final String name;
  private final RecentMean last20 = new RecentMean(20);
  private long steps;
  private long tokens;
  private long finiteSteps;
  private double lossSum;

  DomainStats(String name) {
    this.name = name;
  }

  void add(double loss, int stepTokens) {
    steps++;
    tokens += stepTokens;
    last20.add(loss);
    if (Double.isFinite(loss)) {
      finiteSteps++;
      lossSum += loss;
    }
  }

  String name() {
    return name;
  }

  long steps() {
    return steps;
  }

  long tokens() {
    return tokens;
  }

  double meanLoss() {
    return finiteSteps == 0 ? Double.NaN : lossSum / finiteSteps;
  }

  double last20Loss() {
    return last20.mean();
  }
}
