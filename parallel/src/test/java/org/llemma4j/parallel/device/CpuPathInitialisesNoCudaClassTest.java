package org.llemma4j.parallel.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CPU path never initialises a CUDA-only class: with the CPU natives {@code global.torch_cuda}, {@code cuda.*}
 * and {@code ProcessGroupNCCL} fail their class initialisation, and a CPU run must not depend on that failing
 * quietly. Checked in a fresh JVM (this test JVM may have touched NCCL's classes in another test) with the JVM's
 * class-initialisation log, which lists every class the run initialised. The presets' CUDA classes may be loaded,
 * not initialised: verifying {@code global.torch} loads {@code cuda.DeviceStats}, the return type of its
 * {@code getDeviceStats}. Our own CUDA-only packages are not even loaded. The run prints nothing about CUDA either.
 */
class CpuPathInitialisesNoCudaClassTest {

    /** Classes that only the GPU build can initialise (class-initialisation log spelling). */
    private static final List<String> CUDA_ONLY = List.of("org/bytedeco/pytorch/global/torch_cuda",
            "org/bytedeco/pytorch/cuda/", "org/bytedeco/pytorch/nccl/", "org/bytedeco/cuda/");

    /** Our packages that the CPU path must not even load (class-loading log spelling). */
    private static final List<String> OURS_CUDA_ONLY = List.of("org.llemma4j.parallel.device.cuda.",
            "org.llemma4j.parallel.nccl.");

    @TempDir
    Path dir;

    private record Run(int status, String output, String classLog) {
    }

    private Run child(String... args) throws IOException, InterruptedException {
        Path classLog = dir.resolve("classes.log");
        Path output = dir.resolve("output.txt");
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info,class+init=info:file=" + classLog, "-cp", System.getProperty("java.class.path"),
                CpuPathChild.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().remove("CUDA_VISIBLE_DEVICES");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child did not finish in 120 s: " + Files.readString(output));
        }
        return new Run(p.exitValue(), Files.readString(output), Files.readString(classLog));
    }

    private static void assertNoCudaClass(Run run) {
        for (String line : run.classLog.lines().toList()) {
            for (String prefix : CUDA_ONLY) {
                assertFalse(line.contains("Initializing '" + prefix), "the CPU path initialised " + line);
            }
            for (String prefix : OURS_CUDA_ONLY) {
                assertFalse(line.contains("] " + prefix), "the CPU path loaded " + line);
            }
        }
        // The log is real: it lists what the run did initialise and load.
        assertTrue(run.classLog.contains("Initializing 'org/bytedeco/pytorch/global/torch'"), "class log incomplete");
        assertTrue(run.classLog.contains("] " + ComputeDevice.class.getName() + " "), "class log incomplete");
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "cpu"})
    void aCpuRankLoadsNoCudaClassAndPrintsNothingAboutCuda(String request) throws Exception {
        Run run = child("run", request);
        assertEquals(0, run.status, run.output);
        assertTrue(run.output.contains("cpu, " + HostCpu.modelName() + ", 1 thread, "), run.output);
        assertTrue(run.output.contains(": sum 4.0"), run.output);
        assertFalse(run.output.contains("CUDA") || run.output.contains("GPU") || run.output.contains("cuda"),
                "a CPU rank says nothing about CUDA:\n" + run.output);
        assertTrue(run.classLog.contains("Initializing 'org/bytedeco/pytorch/ProcessGroupGloo'"), "no Gloo group");
        assertNoCudaClass(run);
    }

    @Test
    void refusingCudaOnTheCpuNativesLoadsNoCudaClassEither() throws Exception {
        Run run = child("refused");
        assertEquals(0, run.status, run.output);
        assertTrue(run.output.contains("refused: device cuda was requested, but this build loads libtorch's CPU"
                + " natives"), run.output);
        assertNoCudaClass(run);
    }
}
