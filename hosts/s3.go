package hosts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// S3 stores Content-Type and Cache-Control per object, set at upload; every
// other header comes from one CloudFront response headers policy, which
// applies to all paths of the distribution's default behavior.

type s3Object struct {
	Key          string `json:"key"`
	ContentType  string `json:"contentType,omitempty"`
	CacheControl string `json:"cacheControl,omitempty"`
}

// Shapes of CloudFront's ResponseHeadersPolicyConfig, as taken by
// `aws cloudfront create-response-headers-policy --response-headers-policy-config`.
type cfPolicy struct {
	Name                  string           `json:"Name"`
	Comment               string           `json:"Comment"`
	SecurityHeadersConfig *cfSecurity      `json:"SecurityHeadersConfig,omitempty"`
	CustomHeadersConfig   *cfCustomHeaders `json:"CustomHeadersConfig,omitempty"`
}

type cfSecurity struct {
	ContentTypeOptions    *cfOverride `json:"ContentTypeOptions,omitempty"`
	ReferrerPolicy        *cfReferrer `json:"ReferrerPolicy,omitempty"`
	ContentSecurityPolicy *cfCSP      `json:"ContentSecurityPolicy,omitempty"`
	FrameOptions          *cfFrame    `json:"FrameOptions,omitempty"`
}

type cfOverride struct {
	Override bool `json:"Override"`
}

type cfReferrer struct {
	ReferrerPolicy string `json:"ReferrerPolicy"`
	Override       bool   `json:"Override"`
}

type cfCSP struct {
	ContentSecurityPolicy string `json:"ContentSecurityPolicy"`
	Override              bool   `json:"Override"`
}

type cfFrame struct {
	FrameOption string `json:"FrameOption"`
	Override    bool   `json:"Override"`
}

type cfCustomHeaders struct {
	Quantity int              `json:"Quantity"`
	Items    []cfCustomHeader `json:"Items"`
}

type cfCustomHeader struct {
	Header   string `json:"Header"`
	Value    string `json:"Value"`
	Override bool   `json:"Override"`
}

// CloudFront's limit on a Content-Security-Policy in a policy.
const cloudFrontMaxCSP = 1783

// writeS3CloudFront renders s3-cloudfront.json (the objects with their
// upload metadata, and the policy) and cloudfront-policy.json (the policy
// alone, ready for the aws CLI).
func writeS3CloudFront(w *output, rules []Rule, s Spec) error {
	global, _, rest := split(rules)
	for _, r := range rest {
		for _, h := range r.Headers {
			if !strings.EqualFold(h.Name, "Cache-Control") {
				return fmt.Errorf("rule %s sets %s, but S3 objects carry only Content-Type and Cache-Control and the CloudFront policy applies to every path; set it for /* or remove s3-cloudfront from [deploy] hosts", r.Pattern, h.Name)
			}
		}
	}
	var objects []s3Object
	names := make([]string, 0, len(s.Files))
	for _, f := range s.Files {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	for _, n := range names {
		h := HeadersFor(rules, "/"+n)
		objects = append(objects, s3Object{Key: n, ContentType: h.Get("Content-Type"), CacheControl: h.Get("Cache-Control")})
	}
	policy := cfPolicy{Comment: "pwagen: security and isolation headers for every response"}
	sec := &cfSecurity{}
	var custom []cfCustomHeader
	for _, h := range global {
		switch strings.ToLower(h.Name) {
		case "x-content-type-options":
			if h.Value != "nosniff" {
				return fmt.Errorf("X-Content-Type-Options %q: CloudFront can send only nosniff", h.Value)
			}
			sec.ContentTypeOptions = &cfOverride{true}
		case "referrer-policy":
			sec.ReferrerPolicy = &cfReferrer{h.Value, true}
		case "content-security-policy":
			if n := len(h.Value); n > cloudFrontMaxCSP {
				return fmt.Errorf("Content-Security-Policy is %d characters, %d over CloudFront's limit of %d; shorten it", n, n-cloudFrontMaxCSP, cloudFrontMaxCSP)
			}
			sec.ContentSecurityPolicy = &cfCSP{h.Value, true}
		case "x-frame-options":
			sec.FrameOptions = &cfFrame{strings.ToUpper(h.Value), true}
		default:
			custom = append(custom, cfCustomHeader{h.Name, h.Value, true})
		}
	}
	if *sec != (cfSecurity{}) {
		policy.SecurityHeadersConfig = sec
	}
	if len(custom) > 0 {
		policy.CustomHeadersConfig = &cfCustomHeaders{len(custom), custom}
	}
	// A policy name is unique per AWS account: name it after its content.
	body, err := marshal(policy)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	policy.Name = "pwagen-" + hex.EncodeToString(sum[:4])
	if body, err = marshal(policy); err != nil {
		return err
	}
	plan, err := marshal(struct {
		Comment string     `json:"comment"`
		Objects []s3Object `json:"objects"`
		Policy  cfPolicy   `json:"responseHeadersPolicyConfig"`
	}{
		Comment: "Upload each object with its contentType and cacheControl; attach responseHeadersPolicyConfig (also in cloudfront-policy.json) to the distribution's default behavior. No custom error response may map 403/404 to index.html.",
		Objects: objects,
		Policy:  policy,
	})
	if err != nil {
		return err
	}
	w.beside["s3-cloudfront.json"] = plan
	w.beside["cloudfront-policy.json"] = body
	return nil
}
