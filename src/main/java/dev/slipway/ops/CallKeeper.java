package dev.slipway.ops;

import java.util.List;

/** Where {@link CallLog} keeps calls past its ring, so that they outlive a restart. */
public interface CallKeeper {
  /** Keeps a batch of calls (those no org's endpoint served may be left out). */
  void write(List<CallRecord> calls) throws Exception;

  /** Up to {@code limit} of the org's kept calls that {@code query} asks for, newest first. */
  List<CallRecord> search(long org, CallQuery query, int limit) throws Exception;

  /** The org's newest kept call with this request id, bodies included. */
  java.util.Optional<CallRecord> find(long org, String requestId) throws Exception;

  /**
   * Drops what is no longer to be kept.
   *
   * @return whether calls were dropped to keep the cap on how many are kept: the log fills faster
   *     than its time kept, and the next prune should come soon
   */
  boolean prune() throws Exception;

  /** Writes what it holds back (sums it adds up between writes); at the end, and now and then. */
  default void flush() throws Exception {}

  /** Keeps nothing: the ring is all there is. */
  CallKeeper NONE =
      new CallKeeper() {
        @Override
        public void write(List<CallRecord> calls) {}

        @Override
        public List<CallRecord> search(long org, CallQuery query, int limit) {
          return List.of();
        }

        @Override
        public java.util.Optional<CallRecord> find(long org, String requestId) {
          return java.util.Optional.empty();
        }

        @Override
        public boolean prune() {
          return false;
        }
      };
}
