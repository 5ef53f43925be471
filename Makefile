# Quiver — one entry point for building, running, testing and benchmarking.
# Everything runs from Maven Central artifacts; nothing needs installing by hand.
SHELL := /bin/bash
MVN ?= mvn -B -ntp
export MAVEN_OPTS ?= -Xmx1g

.PHONY: build jar run test bench fmt clean

# Everything but the job jar (`make jar`): shading it takes a minute or more that `make run` does not need.
build:
	$(MVN) -q -DskipTests package -pl '!jobs-dist'
	@chmod +x bin/quiver
	@echo "built: bin/quiver"

# The materialization job's jar for `flink run` on a Flink 1.20 cluster (docs/materialization.md,
# "Deploying to a cluster"); `make test` builds it too, and submits it to a Flink cluster (JobJarOnClusterITCase).
jar:
	$(MVN) -q -DskipTests package -pl jobs-dist -am
	@ls jobs-dist/target/quiver-jobs-*-job.jar

# ARGS go to `quiver local`, e.g. make run ARGS='--set server.port=18080 --rate 100'
run: build
	bin/quiver local $(ARGS)

# Formatting is checked first; then every module's unit tests (*Test) and integration tests (*ITCase),
# which start their own real Kafka / HBase / PostgreSQL / Flink MiniCluster / Iceberg-on-tempdir.
test:
	$(MVN) spotless:check
	$(MVN) verify

bench: build
	bash bench/run.sh

fmt:
	$(MVN) -q spotless:apply

clean:
	$(MVN) -q clean
