package io.moestream.jobs.cli;

import io.moestream.moe.config.AuxVariant;
import io.moestream.moe.config.RouterKind;
import io.moestream.moe.config.SpawnPolicy;
import io.moestream.moe.config.WindowSpan;
import io.moestream.moe.model.ExpertDispatch;
import io.moestream.moe.tensor.DeviceChoice;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli converters that delegate to the library's own {@code parse} methods, so the command line
 * accepts exactly the spellings the library does and a bad value fails while parsing, with the
 * library's message, before any model is built.
 */
final class Converters {
  private Converters() {}

  private static <T> T convert(Function<String, T> parse, String value) {
    try {
      return parse.apply(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  static final class Router implements ITypeConverter<RouterKind> {
    @Override
    public RouterKind convert(String value) {
      return Converters.convert(RouterKind::parse, value);
    }
  }

  static final class Aux implements ITypeConverter<AuxVariant> {
    @Override
    public AuxVariant convert(String value) {
      return Converters.convert(AuxVariant::parse, value);
    }
  }

  static final class Spawn implements ITypeConverter<SpawnPolicy> {
    @Override
    public SpawnPolicy convert(String value) {
      return Converters.convert(SpawnPolicy::parse, value);
    }
  }

  static final class Span implements ITypeConverter<WindowSpan> {
    @Override
    public WindowSpan convert(String value) {
      return Converters.convert(WindowSpan::parse, value);
    }
  }

  static final class Dispatch implements ITypeConverter<ExpertDispatch> {
    @Override
    public ExpertDispatch convert(String value) {
      return Converters.convert(ExpertDispatch::parse, value);
    }
  }

  static final class Device implements ITypeConverter<DeviceChoice> {
    @Override
    public DeviceChoice convert(String value) {
      return Converters.convert(DeviceChoice::parse, value);
    }
  }

  static final class Precision implements ITypeConverter<io.moestream.moe.tensor.Precision> {
    @Override
    public io.moestream.moe.tensor.Precision convert(String value) {
      return Converters.convert(io.moestream.moe.tensor.Precision::parse, value);
    }
  }
}
