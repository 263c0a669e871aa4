#include "collection/config/file_sd.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace foresight::collection {
namespace {

TEST(FileSD, ParsesJsonAndYaml) {
  auto j = ParseTargetGroupFile(
      R"([{"targets": ["a:1", "b:2"], "labels": {"env": "x"}}, {"targets": ["c:3"]}])", "/sd/t.json");
  ASSERT_TRUE(j.ok()) << j.status();
  ASSERT_EQ(j->size(), 2u);
  EXPECT_EQ((*j)[0].targets.size(), 2u);
  EXPECT_EQ((*j)[0].labels.Get("env"), "x");
  EXPECT_EQ((*j)[1].labels.Get("__meta_filepath"), "/sd/t.json");
  auto y = ParseTargetGroupFile("- targets: ['a:1']\n  labels:\n    env: y\n", "/sd/t.yml");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ((*y)[0].labels.Get("env"), "y");
  EXPECT_FALSE(ParseTargetGroupFile("{", "/sd/t.json").ok());
  EXPECT_FALSE(ParseTargetGroupFile("- targets: ['a']\n  bogus: 1\n", "/sd/t.yaml").ok());
  EXPECT_FALSE(ParseTargetGroupFile(R"([{"labels": {"bad-name": "x"}}])", "/sd/t.json").ok());
}

TEST(FileSD, ReadsGlobsAndReportsBadFiles) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "filesd.XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::filesystem::path dir = tmpl;
  std::ofstream(dir / "a.json") << R"([{"targets": ["h:1"]}])";
  std::ofstream(dir / "b.json") << "not json";
  std::ofstream(dir / "c.yml") << "- targets: ['h:2']\n";
  FileSDConfig cfg;
  cfg.files = {(dir / "*.json").string(), (dir / "*.yml").string()};
  FileSDResult r = ReadFileSD(cfg);
  EXPECT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(r.errors.count((dir / "b.json").string()));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace foresight::collection
