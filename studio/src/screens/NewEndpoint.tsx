// A new endpoint: the editor with a starter spec; saving creates it and opens it by its name.
import { useRoute } from '../router';
import { STARTER, toText } from '../endpoint/model';
import { EndpointEditor } from './Endpoint';

const starter = { text: toText(STARTER, 'yaml'), format: 'yaml' as const };

export default function NewEndpoint() {
  const route = useRoute();
  const tab = route.params.get('tab');
  return (
    <EndpointEditor
      initial={starter}
      tab={tab === 'builder' ? 'builder' : 'code'}
      params={route.params}
      reload={() => {}}
    />
  );
}
