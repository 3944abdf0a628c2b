package dev.vecrnn.perf;

import dev.vecrnn.nn.CellType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The ratio table of {@code bench compare-pytorch}, from per-round medians of both frameworks. */
public final class CompareReport {
    private CompareReport() {}

    /** One point of the sweep. */
    public record Config(CellType cell, RnnShape shape, BenchMode mode, int threads) {
        public double flops() {
            return shape.flops(cell, mode);
        }

        public String label() {
            return cell.cliName() + " " + shape + " " + mode.label + " " + threads + "T";
        }
    }

    /**
     * One config's result over all rounds. {@code ratio*} are vecrnn time / PyTorch time
     * (below 1: vecrnn is faster), taken per round (both frameworks measured back to back) and
     * summarised by median, min and max over rounds.
     */
    public record Row(Config config, double torchMs, double vecrnnMs, double ratioMedian, double ratioMin, double ratioMax,
               int rounds) {
        public double torchGflops() {
            return config.flops() / (torchMs * 1e-3) / 1e9;
        }

        public double vecrnnGflops() {
            return config.flops() / (vecrnnMs * 1e-3) / 1e9;
        }
    }

    /**
     * Pairs the per-round medians (index {@code i} of both lists is round {@code i}) into ratios.
     *
     * @throws IllegalArgumentException if the lists are empty or of different lengths
     */
    public static Row row(Config config, List<Double> torchMs, List<Double> vecrnnMs) {
        if (torchMs.isEmpty() || torchMs.size() != vecrnnMs.size()) {
            throw new IllegalArgumentException("need one PyTorch and one vecrnn time per round, got "
                    + torchMs.size() + " and " + vecrnnMs.size());
        }
        double[] ratios = new double[torchMs.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = vecrnnMs.get(i) / torchMs.get(i);
        }
        return new Row(config, Stats.median(torchMs), Stats.median(vecrnnMs), Stats.median(ratios),
                Stats.min(ratios), Stats.max(ratios), ratios.length);
    }

    /** Geometric mean of the median ratios per mode and thread count, e.g. {@code "training 1T" -> 0.83}. */
    public static Map<String, Double> geometricMeans(List<Row> rows) {
        Map<String, List<Double>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            groups.computeIfAbsent(r.config().mode().label + " " + r.config().threads() + "T", k -> new ArrayList<>())
                    .add(r.ratioMedian());
        }
        Map<String, Double> out = new LinkedHashMap<>();
        groups.forEach((k, v) -> out.put(k, Stats.geometricMean(v.stream().mapToDouble(Double::doubleValue).toArray())));
        return out;
    }

    public static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| cell | T×B×I×H | mode | threads | PyTorch ms | vecrnn ms | vecrnn / PyTorch (min–max) | PyTorch GFLOP/s | vecrnn GFLOP/s |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            Config c = r.config();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s | %s | %s (%s–%s) | %s | %s |%n",
                    c.cell().cliName(), c.shape(), c.mode().label, c.threads(), Reports.fmt(r.torchMs()),
                    Reports.fmt(r.vecrnnMs()), Reports.fmt(r.ratioMedian()), Reports.fmt(r.ratioMin()),
                    Reports.fmt(r.ratioMax()), Reports.fmt(r.torchGflops()), Reports.fmt(r.vecrnnGflops())));
        }
        if (!rows.isEmpty()) {
            sb.append("\nGeometric mean of vecrnn / PyTorch (below 1: vecrnn faster):\n\n");
            geometricMeans(rows).forEach((k, v) -> sb.append("- ").append(k).append(": ").append(Reports.fmt(v)).append('\n'));
        }
        return sb.toString();
    }
}
