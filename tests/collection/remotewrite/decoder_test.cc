// The hand-written WriteRequest decoder and encoder against libprotobuf (the reference), and malformed input.
#include <bit>
#include <cmath>
#include <string>

#include "collection/remotewrite/decoder.h"
#include "collection/remotewrite/encoder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prompb.pb.h"
#include "storage/storage.h"

namespace foresight::collection {
namespace {

using ::testing::HasSubstr;

testpb::WriteRequest Reference() {
  testpb::WriteRequest req;
  auto* ts = req.add_timeseries();
  for (auto [n, v] : {std::pair{"__name__", "up"}, {"instance", "host-1:9100"}, {"job", "node"}}) {
    auto* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (auto [t, v] : {std::pair<int64_t, double>{1700000000000, 1},
                      {1700000015000, 0.0},
                      {-5, -0.0},
                      {1700000030000, storage::StaleNaN()},
                      {0, 1e308}}) {
    auto* s = ts->add_samples();
    s->set_timestamp(t);
    s->set_value(v);
  }
  auto* ts2 = req.add_timeseries();
  auto* l = ts2->add_labels();
  l->set_name("__name__");
  l->set_value("temp_\xc3\xa9t\xc3\xa9_\xe2\x82\xac");  // "été €" in UTF-8
  ts2->add_labels()->set_name("empty_value");
  ts2->add_exemplars()->set_value(3);
  ts2->add_histograms()->set_sum(2);
  auto* md = req.add_metadata();
  md->set_metric_family_name("up");
  md->set_help("help");
  auto* md2 = req.add_metadata();
  md2->set_type(5);  // SUMMARY
  md2->set_metric_family_name("rpc_duration_seconds");
  md2->set_help("RPC latency, \"quoted\" \xe2\x82\xac.");
  md2->set_unit("seconds");
  req.add_metadata()->set_type(-3);  // out of the enum, no name
  return req;
}

TEST(RemoteWriteDecoder, MatchesLibprotobuf) {
  testpb::WriteRequest ref = Reference();
  std::string wire = ref.SerializeAsString();
  DecodedWriteRequest got;
  ASSERT_TRUE(DecodeWriteRequest(wire, &got).ok());
  ASSERT_EQ(got.num_series(), 2u);
  for (int i = 0; i < 2; ++i) {
    const auto& ts = ref.timeseries(i);
    auto labels = got.labels(i);
    ASSERT_EQ(labels.size(), static_cast<size_t>(ts.labels_size()));
    for (int j = 0; j < ts.labels_size(); ++j) {
      EXPECT_EQ(labels[j].name, ts.labels(j).name());
      EXPECT_EQ(labels[j].value, ts.labels(j).value());
    }
    auto samples = got.samples(i);
    ASSERT_EQ(samples.size(), static_cast<size_t>(ts.samples_size()));
    for (int j = 0; j < ts.samples_size(); ++j) {
      EXPECT_EQ(samples[j].t, ts.samples(j).timestamp());
      EXPECT_EQ(std::bit_cast<uint64_t>(samples[j].v), std::bit_cast<uint64_t>(ts.samples(j).value()));
    }
  }
  EXPECT_TRUE(storage::IsStaleNaN(got.samples(0)[3].v));
  EXPECT_EQ(got.exemplars(), 1u);
  EXPECT_EQ(got.histograms(), 1u);
  ASSERT_EQ(got.metadata().size(), static_cast<size_t>(ref.metadata_size()));
  for (int i = 0; i < ref.metadata_size(); ++i) {
    const MetricMetadataView& m = got.metadata()[i];
    EXPECT_EQ(m.type, ref.metadata(i).type());
    EXPECT_EQ(m.family, ref.metadata(i).metric_family_name());
    EXPECT_EQ(m.help, ref.metadata(i).help());
    EXPECT_EQ(m.unit, ref.metadata(i).unit());
  }
  EXPECT_EQ(MetricMetadataTypeName(got.metadata()[0].type), "unknown");
  EXPECT_EQ(MetricMetadataTypeName(got.metadata()[1].type), "summary");
  EXPECT_EQ(MetricMetadataTypeName(got.metadata()[2].type), "unknown");
  EXPECT_EQ(MetricMetadataTypeName(1), "counter");
  EXPECT_EQ(MetricMetadataTypeName(7), "stateset");
  // Views point into the input: zero copy.
  EXPECT_GE(got.labels(0)[0].name.data(), wire.data());
  EXPECT_LT(got.labels(0)[0].name.data(), wire.data() + wire.size());
}

TEST(RemoteWriteEncoder, ByteIdenticalToLibprotobuf) {
  testpb::WriteRequest ref = Reference();
  ref.clear_metadata();
  ref.mutable_timeseries(1)->clear_exemplars();
  ref.mutable_timeseries(1)->clear_histograms();
  WriteRequestEncoder enc;
  for (const auto& ts : ref.timeseries()) {
    std::vector<Label> labels;
    for (const auto& l : ts.labels()) labels.push_back({l.name(), l.value()});
    std::vector<storage::Sample> samples;
    for (const auto& s : ts.samples()) samples.push_back({s.timestamp(), s.value()});
    enc.AddSeries(Labels::FromSorted(labels), samples);
  }
  EXPECT_EQ(enc.proto(), ref.SerializeAsString());
  EXPECT_EQ(enc.num_samples(), 5u);
  std::string raw;
  ASSERT_TRUE(SnappyUncompress(enc.SnappyBody(), 1 << 20, &raw).ok());
  EXPECT_EQ(raw, enc.proto());
}

TEST(RemoteWriteDecoder, SkipsUnknownFieldsOfEveryWireType) {
  testpb::WriteRequest ref = Reference();
  std::string wire = ref.SerializeAsString();
  // Field 9 varint, field 10 fixed64, field 11 bytes, field 12 fixed32, appended at the top level.
  wire += std::string("\x48\x96\x01", 3) + std::string("\x51", 1) + std::string(8, '\x01') + "\x5a\x02hi" +
          std::string("\x65\x00\x00\x00\x00", 5);
  DecodedWriteRequest got;
  ASSERT_TRUE(DecodeWriteRequest(wire, &got).ok());
  EXPECT_EQ(got.num_series(), 2u);
}

std::string Error(std::string_view wire) {
  DecodedWriteRequest got;
  absl::Status s = DecodeWriteRequest(wire, &got);
  return s.ok() ? "OK" : std::string(s.message());
}

TEST(RemoteWriteDecoder, RejectsMalformedInput) {
  std::string good = Reference().SerializeAsString();
  // Truncated inside the first TimeSeries: its length now exceeds what is left.
  EXPECT_THAT(Error(good.substr(0, 10)), HasSubstr("exceeds"));
  // Wrong wire type for a known field: timeseries as a varint.
  EXPECT_THAT(Error(std::string("\x08\x01", 2)), HasSubstr("wire type 0, want 2"));
  // Sample.value as a varint instead of fixed64.
  EXPECT_THAT(Error(std::string("\x0a\x04\x12\x02\x08\x01", 6)), HasSubstr("wire type 0, want 1"));
  // Groups (wire types 3 and 4) and wire types 6 and 7 are not supported.
  EXPECT_THAT(Error(std::string("\x0b", 1)), HasSubstr("unsupported wire type 3"));
  EXPECT_THAT(Error(std::string("\x0f", 1)), HasSubstr("unsupported wire type 7"));
  // Field number 0.
  EXPECT_THAT(Error(std::string("\x02\x00", 2)), HasSubstr("invalid field number 0"));
  // A length far beyond the input.
  EXPECT_THAT(Error(std::string("\x0a\xff\xff\xff\xff\x0f", 6)),
              HasSubstr("length 4294967295 exceeds the 0 bytes left"));
  // A varint of 11 bytes, and one overflowing 64 bits in its 10th byte.
  EXPECT_THAT(Error(std::string("\x48") + std::string(10, '\xff') + "\x01"), HasSubstr("varint"));
  EXPECT_THAT(Error(std::string("\x48") + std::string(9, '\xff') + "\x02"), HasSubstr("overflows"));
  EXPECT_THAT(Error(std::string("\x48\x80", 2)), HasSubstr("truncated varint"));
  // MetricMetadata: the family name as a varint, the type as bytes, help that is not UTF-8.
  EXPECT_THAT(Error(std::string("\x1a\x02\x10\x01", 4)), HasSubstr("wire type 0, want 2"));
  EXPECT_THAT(Error(std::string("\x1a\x03\x0a\x01x", 5)), HasSubstr("wire type 2, want 0"));
  EXPECT_THAT(Error(std::string("\x1a\x04\x22\x02\xc3\x28", 6)), HasSubstr("help is not valid UTF-8"));
  EXPECT_THAT(Error(std::string("\x1a\x03\x2a\x05u", 5)), HasSubstr("MetricMetadata.unit: length 5"));
  // Truncated fixed64 inside a Sample.
  EXPECT_THAT(Error(std::string("\x0a\x05\x12\x03\x09\x00\x00", 7)), HasSubstr("truncated fixed64"));
  // Non-UTF-8 label name and value.
  testpb::WriteRequest bad;
  auto* l = bad.add_timeseries()->add_labels();
  l->set_name("__name__");
  l->set_value("bad\xff");
  // libprotobuf refuses to serialize invalid UTF-8 in proto3 strings only in debug builds; build it by hand.
  std::string label = std::string("\x0a\x08") + "__name__" + "\x12\x04" + "bad\xff";
  std::string series = "\x0a" + std::string(1, static_cast<char>(label.size())) + label;
  std::string req = "\x0a" + std::string(1, static_cast<char>(series.size())) + series;
  EXPECT_THAT(Error(req), HasSubstr("label value is not valid UTF-8"));
  // Overlong encoding and a surrogate.
  for (std::string v :
       {std::string("\xc0\xaf"), std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80")}) {
    std::string lb = std::string("\x0a\x01") + "a" + "\x12" + std::string(1, static_cast<char>(v.size())) + v;
    std::string sr = "\x0a" + std::string(1, static_cast<char>(lb.size())) + lb;
    std::string rq = "\x0a" + std::string(1, static_cast<char>(sr.size())) + sr;
    EXPECT_THAT(Error(rq), HasSubstr("UTF-8")) << v.size();
  }
}

TEST(RemoteWriteDecoder, EveryPrefixIsDecodedOrRefusedWithoutCrashing) {
  std::string good = Reference().SerializeAsString();
  int refused = 0;
  for (size_t n = 0; n < good.size(); ++n) {
    std::string prefix = good.substr(0, n);  // a copy, so ASan sees reads past the end
    DecodedWriteRequest got;
    if (!DecodeWriteRequest(prefix, &got).ok()) ++refused;
  }
  EXPECT_GT(refused, static_cast<int>(good.size()) / 2);
}

TEST(RemoteWriteSnappy, RejectsCorruptAndOversizedBlocks) {
  std::string raw;
  EXPECT_THAT(std::string(SnappyUncompress("not snappy at all", 1 << 20, &raw).message()),
              HasSubstr("snappy"));
  std::string big = SnappyCompress(std::string(1 << 16, 'x'));
  EXPECT_THAT(std::string(SnappyUncompress(big, 1000, &raw).message()), HasSubstr("exceeds the limit"));
  EXPECT_TRUE(SnappyUncompress(big, 1 << 16, &raw).ok());
}

}  // namespace
}  // namespace foresight::collection
