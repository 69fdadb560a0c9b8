package packager

import (
	"context"
	"encoding/json"
)

// WebManifest is manifest.webmanifest.
type WebManifest struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	ShortName       string `json:"short_name"`
	Description     string `json:"description,omitempty"`
	StartURL        string `json:"start_url"`
	Scope           string `json:"scope"`
	Display         string `json:"display"`
	BackgroundColor string `json:"background_color"`
	ThemeColor      string `json:"theme_color"`
	Icons           []Icon `json:"icons"`
}

// ManifestName is the web app manifest's stable name.
const ManifestName = "manifest.webmanifest"

func writeManifest(ctx context.Context, b *Build) error {
	a := b.Config.App
	m := WebManifest{
		ID: "./", Name: a.Name, ShortName: a.ShortName, Description: a.Description,
		StartURL: "./", Scope: "./", Display: "standalone",
		BackgroundColor: a.BackgroundColor, ThemeColor: a.ThemeColor, Icons: b.icons,
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	b.add(&File{Name: ManifestName, Data: append(data, '\n')})
	return nil
}
