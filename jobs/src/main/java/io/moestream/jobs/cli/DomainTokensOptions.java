package io.moestream.jobs.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * {@code --max-tokens-per-domain N}: how much of each domain a command reads. One name for every
 * command; each command keeps its own default (all of it for {@code train-local} and {@code
 * produce}, a short cap for the demo and the benchmarks), given to the constructor so that {@code
 * --help} shows it. {@code --tokens-per-domain}, the name {@code bench drift} and {@code bench
 * pipeline} used, still works as a hidden alias: published reproduction commands use it.
 */
public final class DomainTokensOptions {
  public static final String NAME = "--max-tokens-per-domain";
  public static final String ALIAS = "--tokens-per-domain";

  @Option(
      names = NAME,
      paramLabel = "N",
      converter = Cap.Converter.class,
      description = "Use only the first N tokens of each domain (default: ${DEFAULT-VALUE}).")
  Cap cap;

  @Option(
      names = ALIAS,
      hidden = true,
      paramLabel = "N",
      description = "Deprecated alias of " + NAME + ".")
  void alias(Long tokens) {
    if (tokens != null) {
      cap = new Cap(tokens);
    }
  }

  /** No cap by default: every token of every domain. */
  public DomainTokensOptions() {
    this.cap = Cap.ALL;
  }

  /** {@code tokens} of each domain by default. */
  public DomainTokensOptions(long tokens) {
    this.cap = new Cap(tokens);
  }

  /** The cap, or null when every token is read (what {@code LocalRun} expects). */
  public Long orNull() {
    return cap.all() ? null : cap.tokens;
  }

  /** The cap, {@link Long#MAX_VALUE} when every token is read. */
  public long tokens() {
    return cap.tokens;
  }

  /** Reads {@code tokens} of each domain from now on (a default scaled by another option). */
  public void use(long tokens) {
    cap = new Cap(tokens);
  }

  /** Whether the user gave the cap (under either name), for commands that scale defaults. */
  public static boolean given(ParseResult parsed) {
    return parsed.hasMatchedOption(NAME) || parsed.hasMatchedOption(ALIAS);
  }

  /** A token count, or "all"; its string form is what {@code --help} shows as the default. */
  record Cap(long tokens) {
    static final Cap ALL = new Cap(Long.MAX_VALUE);

    boolean all() {
      return tokens == Long.MAX_VALUE;
    }

    @Override
    public String toString() {
      return all() ? "all" : Long.toString(tokens);
    }

    /** Parses N as a long; range checks stay with the code that uses the cap. */
    static final class Converter implements picocli.CommandLine.ITypeConverter<Cap> {
      @Override
      public Cap convert(String value) {
        try {
          return new Cap(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
          throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a long");
        }
      }
    }
  }
}
