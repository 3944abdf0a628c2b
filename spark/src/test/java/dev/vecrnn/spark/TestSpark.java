package dev.vecrnn.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The tests' Spark: one embedded {@code local[2,2]} context for the whole test JVM (two
 * executor threads, and a failed task is tried once more), started on first use and stopped
 * when the JVM exits. Spark allows one context per JVM, and starting one takes seconds, so the
 * test classes share it.
 */
final class TestSpark {
    /** Two task slots; a task may fail once and is then retried. */
    static final String MASTER = "local[2,2]";

    private static JavaSparkContext context;

    private TestSpark() {}

    static synchronized JavaSparkContext context() {
        if (context == null) {
            SparkConf conf = new SparkConf().setMaster(MASTER).setAppName("vecrnn-spark-tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.ui.showConsoleProgress", "false")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1");
            context = new JavaSparkContext(conf);
            JavaSparkContext sc = context;
            Runtime.getRuntime().addShutdownHook(new Thread(sc::stop, "stop-test-spark"));
        }
        return context;
    }
}
