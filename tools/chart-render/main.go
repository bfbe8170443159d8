// Command chart-render renders a Helm 3 chart as `helm template` does, for dbmigrate's tests
// on machines where helm cannot be installed. It implements the subset of Helm that
// charts/dbmigrate uses (charts/dbmigrate/README.md): the sprig functions, include, toYaml,
// toJson, required and fail; `.Values` (values.yaml merged with -f files), `.Chart`,
// `.Release`, `.Capabilities.KubeVersion` and `.Template`. No subcharts, hooks, lookup or tpl;
// values.schema.json is checked by the tests, not here.
//
//	chart-render [-f values.yaml]... [-name NAME] [-namespace NS] [-release-service S] [-notes | -values] CHART_DIR
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"sigs.k8s.io/yaml"
)

// valueFiles collects the repeatable -f flag.
type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	var files valueFiles
	flag.Var(&files, "f", "values file merged over the chart's values.yaml (repeatable)")
	name := flag.String("name", "dbmigrate", "release name (.Release.Name)")
	namespace := flag.String("namespace", "default", "release namespace (.Release.Namespace)")
	service := flag.String("release-service", "Helm", ".Release.Service (scripts/render-deploy: kustomize)")
	kubeVersion := flag.String("kube-version", "v1.33.0", ".Capabilities.KubeVersion.Version")
	notes := flag.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	showValues := flag.Bool("values", false, "print the merged values as JSON instead of rendering (to check them against values.schema.json)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: chart-render [-f values.yaml]... [-name NAME] [-namespace NS] [-release-service S] [-notes | -values] CHART_DIR")
		os.Exit(2)
	}
	var out string
	var err error
	if *showValues {
		out, err = mergedValuesJSON(flag.Arg(0), files)
	} else {
		out, err = render(flag.Arg(0), files, release{*name, *namespace, *service}, *kubeVersion, *notes)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

// release is .Release's name, namespace and service (who manages the objects).
type release struct{ name, namespace, service string }

func render(chartDir string, files []string, rel release, kubeVersion string, notes bool) (string, error) {
	chart, err := readYAML(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	values, err := mergedValues(chartDir, files)
	if err != nil {
		return "", err
	}
	chartName, _ := chart["name"].(string)
	major, minor := "1", "33"
	if parts := strings.SplitN(strings.TrimPrefix(kubeVersion, "v"), ".", 3); len(parts) >= 2 {
		major, minor = parts[0], parts[1]
	}
	top := map[string]interface{}{
		"Values": values,
		"Chart":  chartMetadata(chart),
		"Release": map[string]interface{}{
			"Name": rel.name, "Namespace": rel.namespace, "Service": rel.service,
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{
				"Version": kubeVersion, "GitVersion": kubeVersion, "Major": major, "Minor": minor,
			},
		},
	}
	paths, err := templateFiles(chartDir)
	if err != nil {
		return "", err
	}
	root := template.New(chartName).Option("missingkey=zero")
	root.Funcs(funcMap(root))
	for _, path := range paths {
		text, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		relPath, _ := filepath.Rel(chartDir, path)
		if _, err := root.New(chartName + "/" + filepath.ToSlash(relPath)).Parse(string(text)); err != nil {
			return "", err
		}
	}
	var manifests []manifest
	for _, path := range paths {
		relPath, _ := filepath.Rel(chartDir, path)
		tplName := chartName + "/" + filepath.ToSlash(relPath)
		base := filepath.Base(path)
		isNotes := base == "NOTES.txt"
		if strings.HasPrefix(base, "_") || isNotes != notes {
			continue
		}
		top["Template"] = map[string]interface{}{"Name": tplName, "BasePath": chartName + "/templates"}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, tplName, top); err != nil {
			return "", cleanError(err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if notes {
			return text, nil
		}
		docs, err := splitManifests(tplName, text)
		if err != nil {
			return "", err
		}
		manifests = append(manifests, docs...)
	}
	sortByKind(manifests)
	var out strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", m.source, m.content)
	}
	return out.String(), nil
}

// mergedValues is the chart's values.yaml with the -f files merged over it, in order.
func mergedValues(chartDir string, files []string) (map[string]interface{}, error) {
	values, err := readYAML(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return nil, err
	}
	for _, file := range files {
		override, err := readYAML(file)
		if err != nil {
			return nil, err
		}
		merge(values, override)
	}
	return values, nil
}

// mergedValuesJSON is mergedValues as one line of JSON.
func mergedValuesJSON(chartDir string, files []string) (string, error) {
	values, err := mergedValues(chartDir, files)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(values)
	return string(data) + "\n", err
}

// readYAML reads a YAML mapping as Helm does (through JSON: numbers are float64).
func readYAML(path string) (map[string]interface{}, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	values := map[string]interface{}{}
	if err := yaml.Unmarshal(text, &values); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return values, nil
}

// merge sets override's values in dst, merging maps key by key; a null deletes the key, as
// Helm's coalescing of -f files does.
func merge(dst, override map[string]interface{}) {
	for key, value := range override {
		if value == nil {
			delete(dst, key)
			continue
		}
		sub, isMap := value.(map[string]interface{})
		existing, wasMap := dst[key].(map[string]interface{})
		if isMap && wasMap {
			merge(existing, sub)
		} else {
			dst[key] = value
		}
	}
}

// chartMetadata is .Chart: Chart.yaml's fields by their Go names (name → Name,
// apiVersion → APIVersion), as Helm's chart.Metadata exposes them.
func chartMetadata(chart map[string]interface{}) map[string]interface{} {
	meta := map[string]interface{}{}
	for key, value := range chart {
		if key == "apiVersion" {
			meta["APIVersion"] = value
			continue
		}
		meta[strings.ToUpper(key[:1])+key[1:]] = value
	}
	return meta
}

// templateFiles lists the files under templates/, sorted (partials and NOTES.txt included).
func templateFiles(chartDir string) ([]string, error) {
	var paths []string
	err := filepath.Walk(filepath.Join(chartDir, "templates"), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			paths = append(paths, path)
		}
		return err
	})
	sort.Strings(paths)
	return paths, err
}

// funcMap is Helm's: sprig without env/expandenv, plus include, toYaml, toJson and required.
func funcMap(root *template.Template) template.FuncMap {
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	includes := 0
	funcs["include"] = func(name string, data interface{}) (string, error) {
		if includes > 1000 {
			return "", fmt.Errorf("rendering template %q has a nested reference name", name)
		}
		includes++
		defer func() { includes-- }()
		var buf bytes.Buffer
		err := root.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["toYaml"] = func(v interface{}) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return "" // as Helm: errors are swallowed
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	funcs["required"] = func(message string, value interface{}) (interface{}, error) {
		if value == nil {
			return value, errors.New(message)
		}
		if s, ok := value.(string); ok && s == "" {
			return value, errors.New(message)
		}
		return value, nil
	}
	return funcs
}

// manifest is one YAML document of a rendered template.
type manifest struct {
	source  string
	content string
	kind    string
}

var documentSeparator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

// splitManifests splits a rendered template into its documents as Helm's SplitManifests does.
func splitManifests(source, text string) ([]manifest, error) {
	var docs []manifest
	for _, doc := range documentSeparator.Split(strings.TrimSpace(text), -1) {
		doc = strings.TrimSpace(doc)
		if doc == "" {
			continue
		}
		var head struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return nil, fmt.Errorf("YAML parse error on %s: %w", source, err)
		}
		docs = append(docs, manifest{source: source, content: doc, kind: head.Kind})
	}
	return docs, nil
}

// installOrder is Helm's InstallOrder (releaseutil/kind_sorter.go).
var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService",
}

// sortByKind orders documents as Helm does: by installOrder, unknown kinds last by name.
func sortByKind(manifests []manifest) {
	rank := map[string]int{}
	for i, kind := range installOrder {
		rank[kind] = i
	}
	sort.SliceStable(manifests, func(i, j int) bool {
		a, aKnown := rank[manifests[i].kind]
		b, bKnown := rank[manifests[j].kind]
		switch {
		case !aKnown && !bKnown:
			return manifests[i].kind < manifests[j].kind
		case !aKnown:
			return false
		case !bKnown:
			return true
		}
		return a < b
	})
}

var (
	errorLocation = regexp.MustCompile(`^template: (\S+?:\d+(?::\d+)?): `)
	failMessage   = regexp.MustCompile(`error calling (?:fail|required): `)
)

// cleanError words a failed or required value as Helm does: "execution error at
// (file:line:col): message", the location of the outermost template and the innermost message.
func cleanError(err error) error {
	text := err.Error()
	location := errorLocation.FindStringSubmatch(text)
	calls := failMessage.FindAllStringIndex(text, -1)
	if location == nil || calls == nil {
		return err
	}
	return fmt.Errorf("execution error at (%s): %s", location[1], text[calls[len(calls)-1][1]:])
}
