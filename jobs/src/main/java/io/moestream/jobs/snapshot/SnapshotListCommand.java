package io.moestream.jobs.snapshot;

import io.moestream.jobs.cli.SavepointOption;
import io.moestream.moe.serve.ModelExport;
import io.moestream.moe.train.MoeTrainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code moe snapshot list}: the models a savepoint or retained checkpoint holds, one line each —
 * what an operator looks at before exporting or restoring: {@code modelId step=… tokens=… digest=…
 * active=…} (digest and active slots as {@code train --bounded} prints them).
 */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List the models in a savepoint or retained checkpoint (step, digest, experts).")
public final class SnapshotListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin SavepointOption savepointArg;

  @Override
  public Integer call() throws Exception {
    Path savepoint = SnapshotExportCommand.localPath(savepointArg.path);
    PrintWriter out = spec.commandLine().getOut();
    Path tmp = Files.createTempDirectory("moe-list");
    try {
      SavepointModels.Contents contents = SavepointModels.read(savepoint, Set.of(), tmp);
      for (SavepointModels.StoredModel m : contents.models().values()) {
        try (MoeTrainer t = SnapshotExportCommand.restore(m, savepoint)) {
          out.println(
              m.modelId()
                  + " step="
                  + t.step()
                  + " tokens="
                  + m.cursor().tokens()
                  + " digest="
                  + t.digest()
                  + " active="
                  + SnapshotExportCommand.slots(ModelExport.slots(t.activeSlots())));
        }
      }
      if (contents.models().isEmpty()) {
        out.println("no models in " + savepoint);
      }
    } finally {
      SavepointFiles.deleteTree(tmp);
    }
    out.flush();
    return 0;
  }
}
