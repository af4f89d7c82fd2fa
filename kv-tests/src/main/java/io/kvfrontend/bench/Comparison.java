package io.kvfrontend.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs one workload against several servers (or one server in several modes) in alternating rounds,
 * so that no side gets a warmer machine: round 1 runs A then B, round 2 B then A, and so on. Each
 * turn is a baseline phase (KV alone) when the workload asks for one, then the load phase.
 *
 * <p><b>Not thread-safe</b>; {@link #stop} may be set from any thread (Ctrl-C), and then the rounds
 * end early with what was measured.
 */
final class Comparison {
    /** One side of the comparison: a label, and what to do before each of its phases. */
    record Side(String label, PhaseRunner.Connect connect, Runnable beforePhase) {}

    private final List<Side> sides;
    private final Workload workload;
    private final int rounds;
    private final Duration phaseDuration;
    private final Duration warmup;
    private final AtomicBoolean stop;
    private final Consumer<String> log;
    private final List<PhaseResult> results = new ArrayList<>();

    Comparison(
            List<Side> sides,
            Workload workload,
            int rounds,
            Duration total,
            Duration warmup,
            AtomicBoolean stop,
            Consumer<String> log) {
        this.sides = List.copyOf(sides);
        this.workload = workload;
        this.rounds = rounds;
        int phasesPerTurn = workload.baseline() && workload.hasScans() ? 2 : 1;
        long perPhase = total.toMillis() / ((long) rounds * sides.size() * phasesPerTurn);
        if (perPhase < 1000) {
            throw new BenchException("duration " + total.toSeconds() + " s is too short for " + rounds + " rounds of "
                    + sides.size() * phasesPerTurn + " phases (at least 1 s each)");
        }
        this.phaseDuration = Duration.ofMillis(perPhase);
        this.warmup = warmup;
        this.stop = stop;
        this.log = log;
    }

    Duration phaseDuration() {
        return phaseDuration;
    }

    /** Runs every round; {@link #results()} has every phase measured (fewer if stopped or failed). */
    void run() {
        // Every side reachable and usable before anything runs: a wrong address, password or bucket
        // is one error, before the first progress line.
        for (Side s : sides) {
            PhaseRunner.probe(s.connect());
        }
        if (!warmup.isZero()) {
            for (Side s : sides) {
                if (stop.get()) {
                    return;
                }
                log.accept("warming up " + s.label() + " for " + warmup.toSeconds() + " s");
                s.beforePhase().run();
                PhaseRunner.run(s.connect(), workload, workload.hasScans(), warmup, s.label(), "warmup", 0, stop);
            }
        }
        for (int round = 1; round <= rounds && !stop.get(); round++) {
            List<Side> order = new ArrayList<>(sides);
            if (round % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (Side s : order) {
                if (workload.baseline() && workload.hasScans() && !stop.get()) {
                    results.add(phase(s, round, "baseline", false));
                }
                if (!stop.get()) {
                    results.add(phase(s, round, "load", true));
                }
            }
        }
    }

    /** The phases measured so far, in the order they ran. */
    List<PhaseResult> results() {
        return List.copyOf(results);
    }

    private PhaseResult phase(Side s, int round, String phase, boolean withScans) {
        log.accept(String.format(
                java.util.Locale.ROOT,
                "round %d/%d: %s %s (%d s)",
                round,
                rounds,
                s.label(),
                phase,
                phaseDuration.toSeconds()));
        s.beforePhase().run();
        return PhaseRunner.run(
                s.connect(), workload, withScans && workload.hasScans(), phaseDuration, s.label(), phase, round, stop);
    }
}
