package io.moestream.operators;

import io.moestream.schemas.DeadLetter;
import io.moestream.schemas.DeadLetterReason;
import io.moestream.schemas.TokenSequence;
import java.util.EnumMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.OutputTag;

/**
 * The validation step in front of the trainer: valid records pass on, every other record goes to
 * {@link #DEAD_LETTERS} with its reason and source coordinates, and the job goes on — also when
 * validating a record throws something the validator did not foresee.
 */
public final class ValidateTokens extends ProcessFunction<RawRecord, TokenSequence> {
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

  private final TokenValidator validator;
  private transient Counter deadLetters;
  private transient Counter accepted;
  private transient EnumMap<DeadLetterReason, Counter> byReason;

  public ValidateTokens(TokenValidator validator) {
    this.validator = validator;
  }

  @Override
  public void open(OpenContext ctx) {
    deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
    accepted = getRuntimeContext().getMetricGroup().counter("acceptedRecords");
    // deadLetterReasons.reason.<REASON>.count: which kind of bad input arrives, for alerting.
    byReason = new EnumMap<>(DeadLetterReason.class);
    var group = getRuntimeContext().getMetricGroup().addGroup("deadLetterReasons");
    for (var reason : DeadLetterReason.values()) {
      byReason.put(reason, group.addGroup("reason", reason.name()).counter("count"));
    }
  }

  @Override
  public void processElement(RawRecord r, Context ctx, Collector<TokenSequence> out) {
    TokenValidator.Result result;
    try {
      result = validator.validate(r);
    } catch (Throwable t) {
      // The validator turns every refusal it knows into a dead letter; anything else a record
      // provokes (a decoder bug, a stack overflow on a hostile nesting) must not restart the job
      // and meet the same record again. Only errors that leave the JVM unusable propagate.
      ExceptionUtils.rethrowIfFatalErrorOrOOM(t);
      result = TokenValidator.reject(r, DeadLetterReason.OTHER, "validation failed: " + t);
    }
    if (result.valid() != null) {
      accepted.inc();
      out.collect(result.valid());
    } else {
      deadLetters.inc();
      byReason.get(result.rejected().getReasonCode()).inc();
      ctx.output(DEAD_LETTERS, result.rejected());
    }
  }
}
