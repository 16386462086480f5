import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ArtifactStore } from "../../artifacts/artifact-store.js";
import { downloadArtifactAction, uploadArtifactAction } from "./artifacts.js";
import { makeContext, tempDirs, writeFiles } from "./test-context.js";

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function uploadFrom(
  dataDir: string,
  files: Record<string, string>,
  inputs: Record<string, string>,
  runId = "7",
) {
  const ctx = makeContext({ workspace: dirs.make(), dataDir, runId, inputs });
  writeFiles(ctx.workspace, files);
  return ctx;
}

describe("actions/upload-artifact and download-artifact", () => {
  it("stores files relative to the searched directory and downloads them by name into path", async () => {
    const dataDir = dirs.make();
    const up = uploadFrom(
      dataDir,
      {
        "dist/widgets/shopify/widget.js": "js",
        "dist/widgets/shopify/manifest.json": "{}",
        "dist/widgets/shopify/.env": "hidden",
      },
      { name: "widget-shopify", path: "dist/widgets/shopify/", "retention-days": "30" },
    );
    await uploadArtifactAction.run(up);
    expect(up.outputs["artifact-digest"]).toMatch(/^[0-9a-f]{64}$/);

    const down = makeContext({
      workspace: dirs.make(),
      dataDir,
      runId: "7",
      inputs: { name: "widget-shopify", path: "out" },
    });
    await downloadArtifactAction.run(down);
    expect(readdirSync(join(down.workspace, "out")).sort()).toEqual(["manifest.json", "widget.js"]);
    expect(down.outputs["download-path"]).toBe(join(down.workspace, "out"));
  });

  it("downloads every artifact into a directory per name, or merged", async () => {
    const dataDir = dirs.make();
    for (const platform of ["html", "magento"]) {
      await uploadArtifactAction.run(
        uploadFrom(
          dataDir,
          { [`dist/${platform}/${platform}.js`]: platform },
          { name: `widget-${platform}`, path: `dist/${platform}` },
        ),
      );
    }
    const all = makeContext({
      workspace: dirs.make(),
      dataDir,
      runId: "7",
      inputs: { path: "dist/widgets/" },
    });
    await downloadArtifactAction.run(all);
    expect(readFileSync(join(all.workspace, "dist/widgets/widget-html/html.js"), "utf8")).toBe("html");
    expect(readFileSync(join(all.workspace, "dist/widgets/widget-magento/magento.js"), "utf8")).toBe(
      "magento",
    );

    const merged = makeContext({
      workspace: dirs.make(),
      dataDir,
      runId: "7",
      inputs: { pattern: "widget-*", "merge-multiple": "true" },
    });
    await downloadArtifactAction.run(merged);
    expect(
      existsSync(join(merged.workspace, "html.js")) && existsSync(join(merged.workspace, "magento.js")),
    ).toBe(true);
  });

  it("keeps runs apart and names what exists when the artifact is missing", async () => {
    const dataDir = dirs.make();
    await uploadArtifactAction.run(
      uploadFrom(dataDir, { "a.txt": "a" }, { name: "one", path: "a.txt" }, "1"),
    );
    const other = makeContext({ workspace: dirs.make(), dataDir, runId: "2", inputs: { name: "one" } });
    await expect(downloadArtifactAction.run(other)).rejects.toThrow(
      'no artifact named "one" in run 2 (the run has no artifacts)',
    );
    const wrong = makeContext({ workspace: dirs.make(), dataDir, runId: "1", inputs: { name: "two" } });
    await expect(downloadArtifactAction.run(wrong)).rejects.toThrow("(available: one)");
  });

  it("applies if-no-files-found and refuses a duplicate name unless overwrite", async () => {
    const dataDir = dirs.make();
    const none = uploadFrom(dataDir, {}, { path: "missing/**", "if-no-files-found": "error" });
    await expect(uploadArtifactAction.run(none)).rejects.toThrow(
      /No files were found with the provided path: missing/,
    );
    const warn = uploadFrom(dataDir, {}, { path: "missing" });
    await uploadArtifactAction.run(warn);
    expect(warn.warnings[0]).toMatch(/No files were found/);

    await uploadArtifactAction.run(uploadFrom(dataDir, { "x.txt": "1" }, { name: "dup", path: "x.txt" }));
    await expect(
      uploadArtifactAction.run(uploadFrom(dataDir, { "x.txt": "2" }, { name: "dup", path: "x.txt" })),
    ).rejects.toThrow(/already exists in this run/);
    await uploadArtifactAction.run(
      uploadFrom(dataDir, { "x.txt": "3" }, { name: "dup", path: "x.txt", overwrite: "true" }),
    );
    const down = makeContext({ workspace: dirs.make(), dataDir, runId: "7", inputs: { name: "dup" } });
    await downloadArtifactAction.run(down);
    expect(readFileSync(join(down.workspace, "x.txt"), "utf8")).toBe("3");
  });

  it("excludes with ! patterns and rejects names with forbidden characters", async () => {
    const dataDir = dirs.make();
    await uploadArtifactAction.run(
      uploadFrom(
        dataDir,
        { "out/a.js": "a", "out/a.map": "m" },
        { name: "no-maps", path: "out/**\n!out/**/*.map" },
      ),
    );
    const down = makeContext({ workspace: dirs.make(), dataDir, runId: "7", inputs: { name: "no-maps" } });
    await downloadArtifactAction.run(down);
    expect(readdirSync(down.workspace)).toEqual(["a.js"]);
    await expect(
      uploadArtifactAction.run(uploadFrom(dataDir, { a: "1" }, { name: "a/b", path: "a" })),
    ).rejects.toThrow(/forbidden/);
  });
});

describe("ArtifactStore retention", () => {
  it("hides and prunes artifacts past their retention", async () => {
    const root = dirs.make();
    let now = 0;
    const store = new ArtifactStore(root, () => now);
    const src = dirs.make();
    writeFiles(src, { f: "1" });
    await store.upload("9", "short", [{ absolutePath: join(src, "f"), relativePath: "f" }], {
      retentionDays: 1,
    });
    await store.upload("9", "long", [{ absolutePath: join(src, "f"), relativePath: "f" }], {
      retentionDays: 5,
    });
    now = 2 * 86_400_000;
    expect((await store.list("9")).map((r) => r.name)).toEqual(["long"]);
    expect(await store.pruneExpired()).toBe(1);
    expect(existsSync(join(root, "9", "short"))).toBe(false);
    expect(existsSync(join(root, "9", "long", "f"))).toBe(true);
  });
});
