// PersistentVolumeClaims that stay Pending, on in-memory Models with the persistentvolume
// controller's and the provisioners' own event messages; the Pending pod that mounts such a claim
// is its effect.
#include <algorithm>
#include <string>

#include <doctest/doctest.h>

#include "model_fixture.h"
#include "report/analyze.h"

using kmg::testing::finding;
using kmg::testing::ModelFixture;
using kmg::testing::text_of;
using nlohmann::json;

namespace {

json storage_class(const std::string& name, const std::string& provisioner, bool is_default) {
  json sc = {{"metadata", {{"name", name}}},
             {"provisioner", provisioner},
             {"reclaimPolicy", "Delete"},
             {"volumeBindingMode", "WaitForFirstConsumer"}};
  if (is_default)
    sc["metadata"]["annotations"] = {{"storageclass.kubernetes.io/is-default-class", "true"}};
  return sc;
}

json kind_classes() {
  return json::array({storage_class("standard", "rancher.io/local-path", true)});
}

// A claim; `cls` null leaves storageClassName unset.
json claim(const std::string& ns, const std::string& name, const json& cls,
           const std::string& phase = "Pending") {
  json spec = {{"accessModes", json::array({"ReadWriteOnce"})},
               {"resources", {{"requests", {{"storage", "2Gi"}}}}},
               {"volumeMode", "Filesystem"}};
  if (!cls.is_null()) spec["storageClassName"] = cls;
  return json{{"metadata", {{"namespace", ns}, {"name", name}}},
              {"spec", spec},
              {"status", {{"phase", phase}}}};
}

// A legacy-recorder event of the persistentvolume controller (or a provisioner) on a claim.
json claim_event(const std::string& ns, const std::string& name, const std::string& type,
                 const std::string& reason, const std::string& message, long count,
                 const std::string& first = "2026-03-01T08:00:00Z",
                 const std::string& last = "2026-03-01T08:00:00Z") {
  return json{
      {"involvedObject", {{"kind", "PersistentVolumeClaim"}, {"namespace", ns}, {"name", name}}},
      {"type", type},
      {"reason", reason},
      {"message", message},
      {"count", count},
      {"firstTimestamp", first},
      {"lastTimestamp", last},
      {"source", {{"component", "persistentvolume-controller"}}}};
}

json consumer(const std::string& ns, const std::string& name, const std::string& claim_name,
              const std::string& node, const json& status) {
  json spec = {
      {"containers", json::array({{{"name", "db"}}})},
      {"volumes",
       json::array({{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", claim_name}}}}})}};
  if (!node.empty()) spec["nodeName"] = node;
  return json{
      {"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", spec}, {"status", status}};
}

json unschedulable_status(const std::string& message) {
  return {{"phase", "Pending"},
          {"conditions", json::array({{{"type", "PodScheduled"},
                                       {"status", "False"},
                                       {"reason", "Unschedulable"},
                                       {"message", message}}})}};
}

bool depends_on(const kmg::report::Finding& f, const std::string& kind, const std::string& name) {
  return std::any_of(f.depends_on.begin(), f.depends_on.end(),
                     [&](const auto& r) { return r.kind == kind && r.name == name; });
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("a claim naming a StorageClass that does not exist lists the classes there are") {
    struct Variant {
      const char* label;
      std::string message;  // the ProvisioningFailed event, or none
    };
    for (const Variant& v :
         {Variant{"event", R"(storageclass.storage.k8s.io "fast-ssd" not found)"},
          Variant{"escaped quotes", R"(storageclass.storage.k8s.io \"fast-ssd\" not found)"},
          Variant{"no event: the class list alone", ""}}) {
      CAPTURE(v.label);
      ModelFixture m;
      m.list("storageclasses.storage.k8s.io", kind_classes());
      m.list("persistentvolumeclaims", json::array({claim("ledger", "journal", "fast-ssd")}));
      if (!v.message.empty())
        m.events(json::array(
            {claim_event("ledger", "journal", "Warning", "ProvisioningFailed", v.message, 7)}));
      const auto fs = m.run("pvc-pending");
      const auto& f = finding(fs, "pvc-pending", "journal");
      CHECK(f.object.kind == "PersistentVolumeClaim");
      CHECK(f.object.ns == "ledger");
      CHECK(f.title == "PVC journal asks for StorageClass fast-ssd, which does not exist");
      CHECK(text_of(f).find("standard (default, rancher.io/local-path, WaitForFirstConsumer)") !=
            std::string::npos);
      CHECK(depends_on(f, "StorageClass", "fast-ssd"));
      if (!v.message.empty()) CHECK(text_of(f).find("ProvisioningFailed") != std::string::npos);
    }
  }

  TEST_CASE("no storage class and no matching volume: FailedBinding, with or without a default") {
    const std::string msg =
        "no persistent volumes available for this claim and no storage class is set";
    {
      ModelFixture m;  // no default class in the cluster, the claim names none
      m.list("storageclasses.storage.k8s.io",
             json::array({storage_class("slow", "example.com/nfs", false)}));
      m.list("persistentvolumeclaims", json::array({claim("ledger", "archive", nullptr)}));
      m.events(json::array({claim_event("ledger", "archive", "Normal", "FailedBinding", msg, 12)}));
      const auto fs = m.run("pvc-pending");
      const auto& f = finding(fs, "pvc-pending", "archive");
      CHECK(f.title.find("no PersistentVolume matches") != std::string::npos);
      CHECK(f.cause.find("no default one") != std::string::npos);
      CHECK(f.next_step.find("is-default-class") != std::string::npos);
      CHECK(text_of(f).find("(x12)") != std::string::npos);
      CHECK(f.depends_on.empty());
    }
    {
      ModelFixture m;  // a default exists, but the claim opted out with ""
      m.list("storageclasses.storage.k8s.io", kind_classes());
      m.list("persistentvolumeclaims", json::array({claim("ledger", "archive", "")}));
      m.events(json::array({claim_event("ledger", "archive", "Normal", "FailedBinding", msg, 3)}));
      const auto fs = m.run("pvc-pending");
      const auto& f = finding(fs, "pvc-pending", "archive");
      CHECK(f.cause.find("storageClassName: \"\"") != std::string::npos);
      CHECK(f.next_step.find("is-default-class") == std::string::npos);
    }
  }

  TEST_CASE("a provisioner's own failure is quoted in the title") {
    for (
        const std::string& msg :
        {std::string(
             R"(failed to provision volume with StorageClass "standard": configMaps "local-path-config" not found)"),
         std::string(
             R"(failed to provision volume with StorageClass "ebs-sc": rpc error: code = Internal desc = Could not create volume "pvc-7587": could not create volume in EC2)")}) {
      CAPTURE(msg);
      ModelFixture m;
      m.list("storageclasses.storage.k8s.io", kind_classes());
      m.list("persistentvolumeclaims", json::array({claim("ledger", "journal", "standard")}));
      m.events(
          json::array({claim_event("ledger", "journal", "Warning", "ProvisioningFailed", msg, 4)}));
      const auto fs = m.run("pvc-pending");
      const auto& f = finding(fs, "pvc-pending", "journal");
      CHECK(f.title == "PVC journal cannot be provisioned: " + msg);
      CHECK(depends_on(f, "StorageClass", "standard"));
    }
  }

  TEST_CASE("a long ExternalProvisioning wait with a scheduled consumer names the provisioner") {
    for (const std::string& msg :
         {std::string("Waiting for a volume to be created either by the external provisioner "
                      "'rancher.io/local-path' or manually by the system administrator. If volume "
                      "creation is delayed, please verify that the provisioner is running and "
                      "correctly registered."),
          std::string("waiting for a volume to be created, either by external provisioner "
                      "\"rancher.io/local-path\" or manually created by system administrator")}) {
      CAPTURE(msg);
      ModelFixture m;
      m.list("storageclasses.storage.k8s.io", kind_classes());
      json pvc = claim("ledger", "journal", "standard");
      pvc["metadata"]["annotations"] = {{"volume.kubernetes.io/selected-node", "lab-worker"}};
      m.list("persistentvolumeclaims", json::array({pvc}));
      m.events(json::array({claim_event("ledger", "journal", "Normal", "ExternalProvisioning", msg,
                                        26, "2026-03-01T08:00:00Z", "2026-03-01T08:06:15Z")}));
      const auto fs = m.run("pvc-pending");
      const auto& f = finding(fs, "pvc-pending", "journal");
      CHECK(f.title ==
            "PVC journal waits for provisioner rancher.io/local-path to create its volume");
    }
  }

  TEST_CASE("normal waits are not failures") {
    const std::string external =
        "Waiting for a volume to be created either by the external provisioner "
        "'rancher.io/local-path' or manually by the system administrator.";
    SUBCASE("WaitForFirstConsumer while the consumer is not scheduled") {
      ModelFixture m;
      m.list("storageclasses.storage.k8s.io", kind_classes());
      m.list("persistentvolumeclaims", json::array({claim("ledger", "journal", "standard")}));
      m.list("pods", json::array({consumer("ledger", "journal-0", "journal", "",
                                           unschedulable_status("0/2 nodes are available: 2 "
                                                                "Insufficient memory."))}));
      m.events(json::array({claim_event("ledger", "journal", "Normal", "WaitForFirstConsumer",
                                        "waiting for first consumer to be created before binding",
                                        30, "2026-03-01T08:00:00Z", "2026-03-01T08:30:00Z")}));
      CHECK(m.run("pvc-pending").empty());
    }
    SUBCASE("a short ExternalProvisioning wait") {
      ModelFixture m;
      m.list("storageclasses.storage.k8s.io", kind_classes());
      json pvc = claim("ledger", "journal", "standard");
      pvc["metadata"]["annotations"] = {{"volume.kubernetes.io/selected-node", "lab-worker"}};
      m.list("persistentvolumeclaims", json::array({pvc}));
      m.events(
          json::array({claim_event("ledger", "journal", "Normal", "ExternalProvisioning", external,
                                   2, "2026-03-01T08:00:00Z", "2026-03-01T08:00:15Z")}));
      CHECK(m.run("pvc-pending").empty());
    }
    SUBCASE("a long ExternalProvisioning wait with no consumer on a node") {
      ModelFixture m;
      m.list("storageclasses.storage.k8s.io", kind_classes());
      m.list("persistentvolumeclaims", json::array({claim("ledger", "journal", "standard")}));
      m.events(
          json::array({claim_event("ledger", "journal", "Normal", "ExternalProvisioning", external,
                                   40, "2026-03-01T08:00:00Z", "2026-03-01T08:20:00Z")}));
      CHECK(m.run("pvc-pending").empty());
    }
    SUBCASE("a Bound claim with an old ProvisioningFailed") {
      ModelFixture m;
      m.list("storageclasses.storage.k8s.io", kind_classes());
      m.list("persistentvolumeclaims",
             json::array({claim("ledger", "journal", "standard", "Bound")}));
      m.events(json::array({claim_event("ledger", "journal", "Warning", "ProvisioningFailed",
                                        "failed to provision volume: transient", 1)}));
      CHECK(m.run("pvc-pending").empty());
    }
  }

  TEST_CASE("a pod waiting for an unbound claim is an effect of the claim's finding") {
    for (const std::string& sched :
         {std::string("0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
                      "preemption: 0/1 nodes are available: 1 Preemption is not helpful for "
                      "scheduling."),
          std::string("running PreBind plugin \"VolumeBinding\": binding volumes: context "
                      "deadline exceeded")}) {
      CAPTURE(sched);
      ModelFixture m;
      m.list("storageclasses.storage.k8s.io", kind_classes());
      m.list("persistentvolumeclaims", json::array({claim("ledger", "journal", "fast-ssd")}));
      m.list("pods", json::array({consumer("ledger", "journal-0", "journal", "",
                                           unschedulable_status(sched))}));
      m.events(
          json::array({claim_event("ledger", "journal", "Warning", "ProvisioningFailed",
                                   R"(storageclass.storage.k8s.io "fast-ssd" not found)", 9)}));
      const auto a = kmg::report::analyze(m.model);
      const kmg::report::Finding* pvc = nullptr;
      const kmg::report::Finding* pod = nullptr;
      for (const auto& f : a.findings) {
        if (f.detector == "pvc-pending") pvc = &f;
        if (f.detector == "unschedulable") pod = &f;
      }
      REQUIRE(pvc != nullptr);
      REQUIRE(pod != nullptr);
      CHECK(pvc->root_cause);
      CHECK_FALSE(pod->root_cause);
      CHECK(pod->caused_by == std::vector<std::string>{pvc->id});
      CHECK(a.findings[a.roots.at(0).finding].id == pvc->id);
      CHECK(text_of(*pvc).find("used by pod journal-0 is Pending") != std::string::npos);
    }
  }
}
