#include "host/config/train_config.hpp"

#include <fstream>
#include <sstream>

#include "host/nn/models.hpp"

namespace mpsim::host {
namespace {

YAML::Node section(const FieldReader& top, const std::string& key) {
  YAML::Node n = top.node(key);
  if (n && !n.IsMap()) top.fail(key, "must be a mapping");
  return n ? n : YAML::Node(YAML::NodeType::Map);
}

}  // namespace

void apply_override(YAML::Node& root, const std::string& assignment, const std::string& file) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigFieldError(file + ": --set '" + assignment + "': must be key=value (e.g. optimizer.lr=0.05)");
  const std::string key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigFieldError(file + ": --set '" + key + "': value '" + text + "' is not valid YAML");
  }
  // Walk the dotted path, creating mappings; yaml-cpp nodes are handles, so this edits root.
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '.');) {
    if (part.empty()) throw ConfigFieldError(file + ": --set '" + key + "': empty key component");
    parts.push_back(part);
  }
  std::vector<YAML::Node> path{root};
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = path.back()[parts[i]];
    if (next && next.IsScalar()) {  // `policy: lee` short form: grow it into a mapping
      YAML::Node map(YAML::NodeType::Map);
      map["name"] = next.as<std::string>();
      path.back()[parts[i]] = map;
      next = path.back()[parts[i]];
    }
    if (!next || next.IsNull()) {
      path.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = path.back()[parts[i]];
    }
    path.push_back(next);
  }
  path.back()[parts.back()] = value;
}

TrainConfig parse_train_config(const YAML::Node& root, const std::string& file) {
  if (!root.IsMap()) throw ConfigFieldError(file + ": must be a YAML mapping of training settings");
  TrainConfig c;
  c.file = file;
  const FieldReader top(root, file, "");
  top.reject_unknown({"dataset", "model", "optimizer", "schedule", "epochs", "batch", "seed",
                      "divergence_threshold", "policy"});

  const FieldReader ds(section(top, "dataset"), file, "dataset");
  ds.reject_unknown({"name", "path", "train_subset", "test_subset", "augment", "crop_padding"});
  c.dataset.name = ds.choice<std::string>("name", "fashion_mnist",
                                          {{"fashion_mnist", "fashion_mnist"}, {"mnist", "mnist"}, {"cifar10", "cifar10"},
                                           {"cifar100", "cifar100"}, {"synthetic", "synthetic"}});
  c.dataset.path = ds.string("path", "");
  c.dataset.train_subset = ds.integer("train_subset", 0, 0, std::int64_t{1} << 40);
  c.dataset.test_subset = ds.integer("test_subset", 0, 0, std::int64_t{1} << 40);
  c.dataset.augment = ds.boolean("augment", c.dataset.name == "cifar10" || c.dataset.name == "cifar100");
  c.dataset.crop_padding = static_cast<int>(ds.integer("crop_padding", 4, 0, 16));

  const FieldReader m(section(top, "model"), file, "model");
  m.reject_unknown({"name", "width", "init"});
  std::vector<std::pair<std::string, std::string>> models;
  for (const auto& n : nn::model_names()) models.emplace_back(n, n);
  c.model = m.choice<std::string>("name", "lenet5", models);
  c.width = m.number("width", 1.0, 0.0, 64.0, true);
  c.init = m.choice<nn::InitScheme>("init", nn::InitScheme::he, nn::init_scheme_names());

  const FieldReader o(section(top, "optimizer"), file, "optimizer");
  o.reject_unknown({"name", "lr", "momentum", "nesterov", "weight_decay", "beta1", "beta2", "eps"});
  c.optimizer.kind = o.choice<nn::OptimizerKind>(
      "name", nn::OptimizerKind::sgd,
      {{"sgd", nn::OptimizerKind::sgd}, {"adam", nn::OptimizerKind::adam}, {"adamw", nn::OptimizerKind::adamw}});
  c.optimizer.lr = o.number("lr", 0.05, 0.0, 100.0, true);
  c.optimizer.momentum = o.number("momentum", 0.9, 0.0, 0.999999);
  c.optimizer.nesterov = o.boolean("nesterov", false);
  if (c.optimizer.nesterov && c.optimizer.momentum == 0.0) o.fail("nesterov", "needs momentum > 0");
  c.optimizer.weight_decay = o.number("weight_decay", 0.0, 0.0, 1.0);
  c.optimizer.beta1 = o.number("beta1", 0.9, 0.0, 1.0);
  c.optimizer.beta2 = o.number("beta2", 0.999, 0.0, 1.0);
  if (c.optimizer.beta1 >= 1.0) o.fail("beta1", "must be in [0, 1)");
  if (c.optimizer.beta2 >= 1.0) o.fail("beta2", "must be in [0, 1)");
  c.optimizer.eps = o.number("eps", 1e-8, 0.0, 1.0);

  c.epochs = static_cast<int>(top.integer("epochs", 10, 1, 100000));
  const FieldReader s(section(top, "schedule"), file, "schedule");
  s.reject_unknown({"name", "warmup_epochs", "step_size", "gamma", "min_lr"});
  c.schedule.kind = s.choice<nn::ScheduleKind>("name", nn::ScheduleKind::cosine,
                                               {{"constant", nn::ScheduleKind::constant},
                                                {"step", nn::ScheduleKind::step},
                                                {"cosine", nn::ScheduleKind::cosine}});
  c.schedule.warmup_epochs = s.number("warmup_epochs", 0.0, 0.0, static_cast<double>(c.epochs));
  c.schedule.step_size = static_cast<int>(s.integer("step_size", 30, 1, 100000));
  c.schedule.gamma = s.number("gamma", 0.1, 0.0, 1.0, true);
  c.schedule.min_lr = s.number("min_lr", 0.0, 0.0, c.optimizer.lr);

  c.batch = top.integer("batch", 128, 1, 1 << 20);
  c.seed = static_cast<std::uint64_t>(top.integer("seed", 1, 0, std::int64_t{1} << 62));
  c.dataset.seed = c.seed;
  c.divergence_threshold = top.number("divergence_threshold", 100.0, 0.0, 1e30, true);

  const YAML::Node p = top.node("policy");
  if (p) {
    c.policy = parse_policy_config(p, file);
    c.policy_name = p.IsScalar() ? p.as<std::string>() : (p["name"] ? p["name"].as<std::string>() : "uniform");
  }
  return c;
}

TrainConfig load_train_config(const std::string& file, const std::vector<std::string>& overrides,
                              const std::string& policy_override) {
  std::ifstream in(file);
  if (!in) throw ConfigFieldError(file + ": cannot open the config file");
  return read_train_config(in, file, overrides, policy_override);
}

TrainConfig read_train_config(std::istream& in, const std::string& file, const std::vector<std::string>& overrides,
                              const std::string& policy_override) {
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::ParserException& e) {
    throw ConfigFieldError(file + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw ConfigFieldError(file + ": must be a YAML mapping of training settings");
  if (!policy_override.empty()) root["policy"] = policy_override;
  for (const auto& o : overrides) apply_override(root, o, file);
  return parse_train_config(root, file);
}

}  // namespace mpsim::host
