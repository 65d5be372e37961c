// helm-render: a stand-in for `helm template`, for machines where Helm itself
// cannot be installed (it is not in Debian's packages). It renders a chart the
// way Helm's engine does, with the same parts Helm is built from:
//
//   - Go's text/template, with missingkey=zero and "<no value>" removed from the output;
//   - Sprig's TxtFuncMap (minus env/expandenv, which Helm removes too);
//   - Helm's own functions: include, tpl, required, toYaml, fromYaml, toJson, fromJson, lookup (always empty);
//   - .Values (values.yaml deep-merged with --set-json overrides; null deletes a key, as in Helm),
//     .Release, .Chart (Chart.yaml with Helm's field names), .Capabilities (KubeVersion, APIVersions.Has),
//     .Template (Name, BasePath);
//   - values pass through JSON like Helm's (numbers are float64 inside templates).
//
// Files under templates/ whose name starts with "_" are partials and NOTES.txt is
// rendered but not printed, as `helm template` does. Each YAML document is printed
// after "---" and a "# Source: <chart>/templates/<file>" line. Differences from Helm:
// documents come in file-name order (Helm sorts them by kind), there are no
// subcharts, .Files or schema validation, and toYaml indents nested lists (both
// forms parse to the same YAML).
//
// Build in GOPATH mode against Debian's packages (golang-go,
// golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v3-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o helm-render .
//
// Usage: helm-render [--name NAME] [--namespace NS] [--set-json JSON] [--api-versions a/v1,b/v1] CHART_DIR
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v3"
)

// APIVersions mirrors Helm's chartutil.VersionSet: templates call .Capabilities.APIVersions.Has.
type APIVersions []string

// Has reports whether the API version (group/version, or group/version/Kind) is available.
func (v APIVersions) Has(apiVersion string) bool {
	for _, known := range v {
		if known == apiVersion {
			return true
		}
	}
	return false
}

// KubeVersion mirrors Helm's chartutil.KubeVersion.
type KubeVersion struct {
	Version, Major, Minor, GitVersion string
}

func (k KubeVersion) String() string { return k.Version }

// Capabilities mirrors Helm's chartutil.Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions APIVersions
}

// What a cluster without CRDs serves; --api-versions adds more, as with `helm template`.
var builtinAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "rbac.authorization.k8s.io/v1",
	"coordination.k8s.io/v1", "networking.k8s.io/v1", "autoscaling/v2",
}

func main() {
	name := flag.String("name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	setJSON := flag.String("set-json", "", "JSON object deep-merged over values.yaml")
	apiVersions := flag.String("api-versions", "", "comma-separated extra API versions for .Capabilities.APIVersions")
	flag.Parse()
	if flag.NArg() != 1 {
		fail(errors.New("usage: helm-render [flags] CHART_DIR"))
	}
	extra := []string{}
	if *apiVersions != "" {
		extra = strings.Split(*apiVersions, ",")
	}
	out, err := render(flag.Arg(0), *name, *namespace, *setJSON, extra)
	if err != nil {
		fail(err)
	}
	fmt.Print(out)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "Error: %s\n", err)
	os.Exit(1)
}

func render(chartDir, releaseName, namespace, setJSON string, extraAPIVersions []string) (string, error) {
	chart, err := readYAMLFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return "", fmt.Errorf("Chart.yaml: %w", err)
	}
	chartName, _ := chart["name"].(string)
	if chartName == "" {
		return "", errors.New("Chart.yaml: name is required")
	}
	values, err := readYAMLFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("values.yaml: %w", err)
	}
	if values == nil {
		values = map[string]interface{}{}
	}
	if setJSON != "" {
		var overrides map[string]interface{}
		if err := json.Unmarshal([]byte(setJSON), &overrides); err != nil {
			return "", fmt.Errorf("--set-json: %w", err)
		}
		mergeValues(values, overrides)
	}

	top := map[string]interface{}{
		"Values": values,
		"Chart":  chartMetadata(chart),
		"Release": map[string]interface{}{
			"Name": releaseName, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": &Capabilities{
			KubeVersion: KubeVersion{Version: "v1.33.0", Major: "1", Minor: "33", GitVersion: "v1.33.0"},
			APIVersions: append(append(APIVersions{}, builtinAPIVersions...), extraAPIVersions...),
		},
	}

	templatesDir := filepath.Join(chartDir, "templates")
	files := []string{}
	err = filepath.WalkDir(templatesDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)

	t := template.New("gotpl").Option("missingkey=zero")
	t.Funcs(funcMap(t))
	names := make([]string, 0, len(files))
	for _, file := range files {
		rel, _ := filepath.Rel(chartDir, file)
		name := chartName + "/" + filepath.ToSlash(rel)
		text, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		if _, err := t.New(name).Parse(string(text)); err != nil {
			return "", fmt.Errorf("parse error in %q: %w", name, err)
		}
		names = append(names, name)
	}

	var out strings.Builder
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		data := shallowCopy(top)
		data["Template"] = map[string]interface{}{"Name": name, "BasePath": chartName + "/templates"}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", cleanupExecError(err)
		}
		if base == "NOTES.txt" {
			continue
		}
		rendered := strings.ReplaceAll(buf.String(), "<no value>", "")
		for _, doc := range splitDocuments(rendered) {
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, doc)
		}
	}
	return out.String(), nil
}

// Like Helm's releaseutil.SplitManifests: documents that are empty or only whitespace are dropped.
var separator = regexp.MustCompile(`(?m)^---[ \t]*$`)

func splitDocuments(text string) []string {
	docs := []string{}
	for _, part := range separator.Split(text, -1) {
		if strings.TrimSpace(part) != "" {
			docs = append(docs, strings.TrimSpace(part))
		}
	}
	return docs
}

// Helm rewrites "template: x:1:2: executing ... error calling required: msg" into
// "execution error at (x:1:2): msg"; so does this, so tests can match Helm's wording.
var execError = regexp.MustCompile(`^template: (.*?): executing .* error calling \w+: (.*)$`)

func cleanupExecError(err error) error {
	text := err.Error()
	if m := execError.FindStringSubmatch(text); m != nil {
		return fmt.Errorf("execution error at (%s): %s", m[1], m[2])
	}
	return err
}

func funcMap(t *template.Template) template.FuncMap {
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	includedNames := map[string]int{}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		// Helm limits recursion the same way, so a template including itself fails instead of hanging.
		if includedNames[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		includedNames[name]++
		defer func() { includedNames[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		parsed, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf strings.Builder
		if err := parsed.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	funcs["required"] = func(message string, value interface{}) (interface{}, error) {
		if value == nil {
			return nil, errors.New(message)
		}
		if s, ok := value.(string); ok && s == "" {
			return nil, errors.New(message)
		}
		return value, nil
	}
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = func(text string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(text), &m); err != nil {
			m["Error"] = err.Error()
			return m
		}
		if err := jsonRoundTrip(&m); err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		return m
	}
	funcs["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	funcs["fromJson"] = func(text string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	// `helm template` has no cluster to ask.
	funcs["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return funcs
}

// Like Helm's toYaml: block YAML without the trailing newline; whole numbers print as integers.
func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(wholeNumbersAsInts(v)); err != nil {
		return ""
	}
	_ = enc.Close()
	return strings.TrimSuffix(buf.String(), "\n")
}

func wholeNumbersAsInts(v interface{}) interface{} {
	switch value := v.(type) {
	case float64:
		if value == float64(int64(value)) {
			return int64(value)
		}
		return value
	case map[string]interface{}:
		out := make(map[string]interface{}, len(value))
		for k, item := range value {
			out[k] = wholeNumbersAsInts(item)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(value))
		for i, item := range value {
			out[i] = wholeNumbersAsInts(item)
		}
		return out
	default:
		return v
	}
}

func readYAMLFile(path string) (map[string]interface{}, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(text, &m); err != nil {
		return nil, err
	}
	return m, jsonRoundTrip(&m)
}

// Helm reads YAML through JSON (sigs.k8s.io/yaml), so templates see float64 numbers and string-keyed maps.
func jsonRoundTrip(m *map[string]interface{}) error {
	data, err := json.Marshal(*m)
	if err != nil {
		return err
	}
	*m = map[string]interface{}{}
	return json.Unmarshal(data, m)
}

// Helm's coalescing of user values over chart defaults: maps merge, anything else replaces, null deletes.
func mergeValues(dst, src map[string]interface{}) {
	for key, value := range src {
		if value == nil {
			delete(dst, key)
			continue
		}
		srcMap, srcIsMap := value.(map[string]interface{})
		dstMap, dstIsMap := dst[key].(map[string]interface{})
		if srcIsMap && dstIsMap {
			mergeValues(dstMap, srcMap)
		} else {
			dst[key] = value
		}
	}
}

// Chart.yaml's keys under the Go field names of Helm's chart.Metadata (.Chart.Name, .Chart.AppVersion).
func chartMetadata(chart map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for key, value := range chart {
		field := strings.ToUpper(key[:1]) + key[1:]
		if key == "apiVersion" {
			field = "APIVersion"
		}
		out[field] = value
	}
	return out
}

func shallowCopy(m map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
