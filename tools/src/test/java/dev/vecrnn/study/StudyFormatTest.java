package dev.vecrnn.study;

import dev.vecrnn.perf.Reports;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Numbers in reports: readable at every scale, never a long run of digits. */
class StudyFormatTest {
    @Test
    void largeAndSmallNumbersAreScientific() {
        assertThat(StudyFormat.metric(2.3e11)).isEqualTo("2.30e+11");
        assertThat(StudyFormat.metric(7.4e14)).isEqualTo("7.40e+14");
        assertThat(StudyFormat.metric(6.2e-4)).isEqualTo("6.20e-04");
        assertThat(StudyFormat.metric(0.16666)).isEqualTo("0.1667");
        assertThat(StudyFormat.metric(12.3456)).isEqualTo("12.3456");
        assertThat(StudyFormat.metric(0)).isEqualTo("0");
        assertThat(StudyFormat.metric(Double.NaN)).isEqualTo("n/a");
        assertThat(StudyFormat.metric(Double.POSITIVE_INFINITY)).isEqualTo("inf");
        assertThat(Reports.fmt(7.4e14)).isEqualTo("7.40e+14");
        assertThat(Reports.fmt(1234.56)).isEqualTo("1234.6");
        assertThat(Reports.fmt(2e-7)).isEqualTo("2.00e-07");
        assertThat(Reports.fmt(Double.NaN)).isEmpty();
        assertThat(StudyFormat.step(Double.NaN)).isEqualTo("-");
        assertThat(StudyFormat.step(750)).isEqualTo("750");
        for (double v = 1e-300; v < 1e300; v *= 7.3) {
            for (double s : new double[] {v, -v}) {
                assertThat(StudyFormat.metric(s).length()).as("%s", s).isLessThanOrEqualTo(10);
                assertThat(Reports.fmt(s).length()).as("%s", s).isLessThanOrEqualTo(10);
            }
        }
    }
}
