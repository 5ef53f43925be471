package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URL;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.RollingFileAppender;
import org.apache.logging.log4j.core.appender.rolling.DefaultRolloverStrategy;
import org.apache.logging.log4j.core.appender.rolling.SizeBasedTriggeringPolicy;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.junit.jupiter.api.Test;

/** The CLI's log file (bin/quiver's log4j2-cli.xml) is bounded: it rolls over by size. */
class CliLogConfigTest {
  @Test
  void theLogFileRollsOverAt64MbKeepingThreeOlderFiles() throws Exception {
    URL url = CliLogConfigTest.class.getResource("/log4j2-cli.xml");
    assertThat(url).as("log4j2-cli.xml on the classpath").isNotNull();
    LoggerContext context = new LoggerContext("cli-log-config-test");
    try (InputStream in = url.openStream()) {
      XmlConfiguration config = new XmlConfiguration(context, new ConfigurationSource(in, url));
      config.initialize();
      try {
        RollingFileAppender file = config.getAppender("file");
        assertThat(file).as("the 'file' appender is a RollingFile").isNotNull();
        assertThat(file.getFileName()).endsWith("quiver-cli.log");
        assertThat(file.getFilePattern()).endsWith("quiver-cli.log.%i");
        SizeBasedTriggeringPolicy size = file.getTriggeringPolicy();
        assertThat(size.getMaxFileSize()).isEqualTo(64L * 1024 * 1024);
        DefaultRolloverStrategy rollover =
            (DefaultRolloverStrategy) file.getManager().getRolloverStrategy();
        assertThat(rollover.getMaxIndex()).isEqualTo(3);
      } finally {
        config.stop();
      }
    } finally {
      context.stop();
    }
  }
}
