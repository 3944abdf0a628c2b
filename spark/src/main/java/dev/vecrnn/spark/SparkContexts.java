package dev.vecrnn.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** How the command line gets its Spark context. */
final class SparkContexts {
    private SparkContexts() {}

    /**
     * A context for {@code appName}: on the master {@code spark-submit} configured (its
     * {@code spark.*} system properties), else on {@code master} when given, else on
     * {@code local[*]}; an explicit {@code master} wins.
     */
    static JavaSparkContext start(String appName, String master) {
        SparkConf conf = new SparkConf().setAppName(appName).set("spark.ui.showConsoleProgress", "false");
        if (master != null && !master.isBlank()) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        return new JavaSparkContext(conf);
    }
}
